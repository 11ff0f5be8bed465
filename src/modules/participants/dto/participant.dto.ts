import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export class CreateParticipantDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  studyId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  siteId: string;

  @ApiProperty({ example: 'P-0042', description: 'a pseudonym: no names' })
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'code must be 1 to 64 letters, digits, dots, underscores or dashes' })
  code: string;

  @ApiPropertyOptional({ enum: ['F', 'M', 'U'] })
  @IsOptional()
  @IsIn(['F', 'M', 'U'])
  sex?: 'F' | 'M' | 'U';

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1900)
  @Max(2100)
  birthYear?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  childbearingPotential?: boolean;
}

export class ListParticipantsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  studyId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  siteId?: string;
}

/** A course or session event: `{type, data?, reason?, expectedVersion?}`. */
export class EventDto {
  @ApiProperty({ example: 'CONSENT_SIGNED' })
  @Matches(/^[A-Z][A-Z_]{1,40}$/, { message: 'type must be an event name such as START' })
  type: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiPropertyOptional({ description: 'refuse with 409 version-conflict if the record changed since' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}
