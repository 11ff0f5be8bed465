import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

export class PutConfigurationDto {
  @ApiProperty({ description: 'protocol parameters; fields left out keep their current value (GET /protocols/:id has the schema)' })
  @IsObject()
  parameters: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'why the configuration changes (audit trail)' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
