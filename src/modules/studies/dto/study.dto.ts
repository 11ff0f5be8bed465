import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PROTOCOL_IDS } from '../../../protocols/registry';

export class CreateStudyDto {
  @ApiProperty({ example: 'MAPP-NL-01' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'code must be 1 to 64 letters, digits, dots, underscores or dashes' })
  code: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  title: string;

  @ApiProperty({ enum: PROTOCOL_IDS })
  @IsIn(PROTOCOL_IDS, { message: `protocolId must be one of ${PROTOCOL_IDS.join(', ')}` })
  protocolId: string;

  @ApiPropertyOptional({ description: 'defaults to the newest version' })
  @IsOptional()
  @Matches(/^\d+\.\d+\.\d+$/, { message: 'protocolVersion must look like 1.0.0' })
  protocolVersion?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sponsor?: string;
}
