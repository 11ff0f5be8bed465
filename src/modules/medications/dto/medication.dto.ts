import { IsInstant } from '../../../common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { RecordChangeDto } from '../../records/corrections';

export const MEDICATION_CATEGORIES = ['rescue', 'concomitant'] as const;
export type MedicationCategory = (typeof MEDICATION_CATEGORIES)[number];

const present = (_: object, value: unknown) => value !== undefined;
const NOT_BLANK = /\S/;

export class CreateMedicationDto {
  @ApiProperty({ example: 'lorazepam' })
  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: '1 mg' })
  @IsString()
  @Matches(NOT_BLANK, { message: 'doseText must not be blank' })
  @MaxLength(200)
  doseText: string;

  @ApiProperty({ example: 'ORAL' })
  @IsString()
  @Matches(NOT_BLANK, { message: 'route must not be blank' })
  @MaxLength(32)
  route: string;

  @ApiProperty({ format: 'date-time' })
  @IsInstant()
  givenAt: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'for a concomitant medication that was stopped' })
  @IsOptional()
  @IsInstant()
  endedAt?: string | null;

  @ApiProperty({ example: 'acute anxiety' })
  @IsString()
  @Matches(NOT_BLANK, { message: 'indication must not be blank' })
  @MaxLength(300)
  indication: string;

  @ApiPropertyOptional({ enum: MEDICATION_CATEGORIES, default: 'rescue' })
  @IsOptional()
  @IsIn(MEDICATION_CATEGORIES)
  category?: MedicationCategory;

  @ApiPropertyOptional({ example: 'benzodiazepine', description: 'pharmacological class; prohibited classes are checked before dosing' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  drugClass?: string | null;

  @ApiPropertyOptional({ format: 'uuid', description: 'the adverse event this medication treats' })
  @IsOptional()
  @IsUUID()
  adverseEventId?: string | null;
}

export class CorrectMedicationDto extends RecordChangeDto {
  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsString()
  @Matches(NOT_BLANK, { message: 'doseText must not be blank' })
  @MaxLength(200)
  doseText?: string;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsString()
  @Matches(NOT_BLANK, { message: 'route must not be blank' })
  @MaxLength(32)
  route?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @ValidateIf(present)
  @IsInstant()
  givenAt?: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  @IsOptional()
  @IsInstant()
  endedAt?: string | null;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsString()
  @Matches(NOT_BLANK, { message: 'indication must not be blank' })
  @MaxLength(300)
  indication?: string;

  @ApiPropertyOptional({ enum: MEDICATION_CATEGORIES })
  @ValidateIf(present)
  @IsIn(MEDICATION_CATEGORIES)
  category?: MedicationCategory;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  drugClass?: string | null;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  adverseEventId?: string | null;
}
