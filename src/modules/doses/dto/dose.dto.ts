import { IsInstant } from '../../../common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,

  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { RecordChangeDto } from '../../records/corrections';

export const DOSE_KINDS = ['initial', 'supplemental', 'device'] as const;
export type DoseKind = (typeof DOSE_KINDS)[number];

const present = (_: object, value: unknown) => value !== undefined;

/** The second person who saw the dose given; they authenticate in the same request. */
export class WitnessDto {
  @ApiProperty({ example: 'nurse.jansen' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password: string;
}

export class CreateDoseDto {
  @ApiProperty({ example: 'MDMA', description: "must be the protocol's substance" })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  substance: string;

  @ApiProperty({ example: 80 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(10_000)
  amountMg: number;

  @ApiProperty({ example: 'ORAL', description: "must be the protocol's route" })
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  route: string;

  @ApiProperty({ example: 'LOT-2026-0042' })
  @IsString()
  @Matches(/\S/, { message: 'lot must not be blank' })
  @MaxLength(64)
  lot: string;

  @ApiPropertyOptional({ example: 'KIT-0193' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  kitNumber?: string | null;

  @ApiProperty({ format: 'date-time' })
  @IsInstant()
  administeredAt: string;

  @ApiProperty({ enum: DOSE_KINDS, description: 'initial -> DOSE_INITIAL, supplemental -> DOSE_SUPPLEMENTAL, device -> DOSE_DEVICE' })
  @IsIn(DOSE_KINDS)
  kind: DoseKind;

  @ApiPropertyOptional({ description: 'device doses only: 1, 2, 3 ...' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  deviceSeq?: number;

  @ApiPropertyOptional({ description: 'the decision behind a supplemental dose (required by its gate)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiProperty({ type: WitnessDto })
  @IsDefined({ message: 'witness is required: another person authenticates as the witness' })
  @ValidateNested()
  @Type(() => WitnessDto)
  witness: WitnessDto;
}

/** Corrects what was written down; the dose's protocol step (kind, device number) cannot change. */
export class CorrectDoseDto extends RecordChangeDto {
  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(10_000)
  amountMg?: number;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsString()
  @Matches(/\S/, { message: 'lot must not be blank' })
  @MaxLength(64)
  lot?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  kitNumber?: string | null;

  @ApiPropertyOptional({ format: 'date-time' })
  @ValidateIf(present)
  @IsInstant()
  administeredAt?: string;

  /** Accepted only to be refused with a clear reason. */
  @Allow()
  kind?: unknown;

  @Allow()
  deviceSeq?: unknown;
}
