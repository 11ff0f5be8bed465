import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { IsInstant } from '../../../common/validation';
import { PHASES, type Phase } from '../../../protocols/types';

export class CreateSessionDto {
  @ApiProperty({ enum: PHASES })
  @IsIn(PHASES)
  phase: Phase;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsInstant()
  scheduledAt?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'defaults to the caller when an investigator' })
  @IsOptional()
  @IsUUID()
  responsibleInvestigatorId?: string;
}

export class CreateOverrideDto {
  @ApiProperty({ example: 'predose.pregnancy-test', description: 'the `requirement` of an unmet item' })
  @Matches(/^[a-z0-9.-]{1,64}$/, { message: 'requirement must be a requirement key such as predose.pregnancy-test' })
  requirement: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason: string;

  @ApiProperty({ description: 'the investigator signs the override' })
  @IsString()
  @MaxLength(256)
  password: string;

  @ApiPropertyOptional({ description: 'required for the first signature of a login session' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  username?: string;
}
