import { IsInstant } from '../../../common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNumber, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { PageQuery } from '../../../common/pagination';
import { VITAL_CODES } from '../../../protocols/vital-signs';
import { RecordChangeDto } from '../../records/corrections';

export const MANUAL_CODES = [...VITAL_CODES, 'BP'] as const;
export type ManualCode = (typeof MANUAL_CODES)[number];

const FINITE = { allowNaN: false, allowInfinity: false };

/**
 * A vital sign taken by hand: `{code, value, unit, takenAt}`, or a cuff reading
 * `{code: 'BP', systolic, diastolic, unit, takenAt}` stored as SYSBP and DIABP.
 */
export class RecordVitalDto {
  @ApiProperty({ enum: MANUAL_CODES })
  @IsIn(MANUAL_CODES, { message: `code must be one of ${MANUAL_CODES.join(', ')}` })
  code: ManualCode;

  @ApiPropertyOptional({ description: 'required unless code is BP' })
  @ValidateIf((o: RecordVitalDto) => o.code !== 'BP' || o.value !== undefined)
  @IsNumber(FINITE)
  value?: number;

  @ApiPropertyOptional({ description: 'code BP only' })
  @ValidateIf((o: RecordVitalDto) => o.code === 'BP' || o.systolic !== undefined)
  @IsNumber(FINITE)
  systolic?: number;

  @ApiPropertyOptional({ description: 'code BP only' })
  @ValidateIf((o: RecordVitalDto) => o.code === 'BP' || o.diastolic !== undefined)
  @IsNumber(FINITE)
  diastolic?: number;

  @ApiProperty({ example: 'mm[Hg]', description: 'UCUM: mm[Hg], /min, %, Cel' })
  @IsString()
  @MaxLength(16)
  unit: string;

  @ApiProperty({ format: 'date-time' })
  @IsInstant()
  takenAt: string;
}

export class VitalsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: VITAL_CODES })
  @IsOptional()
  @IsIn(VITAL_CODES)
  code?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'taken at or after' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'taken at or before' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ description: 'from X-Next-Cursor' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a value of X-Next-Cursor' })
  cursor?: string;
}

/** A correction of a value or its time; the reason and optional version come from RecordChangeDto. */
export class CorrectVitalDto extends RecordChangeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber(FINITE)
  value?: number;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsInstant()
  takenAt?: string;
}

export { VoidRecordDto } from '../../records/corrections';
