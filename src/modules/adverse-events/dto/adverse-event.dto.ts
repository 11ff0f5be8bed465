import { IsInstant } from '../../../common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,

  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export const RELATEDNESS = ['not related', 'unlikely', 'possible', 'probable', 'definite'] as const;
export type Relatedness = (typeof RELATEDNESS)[number];

export const SERIOUSNESS_CRITERIA = ['death', 'lifeThreatening', 'hospitalization', 'disability', 'congenitalAnomaly', 'medicallyImportant'] as const;
export type SeriousnessCriterion = (typeof SERIOUSNESS_CRITERIA)[number];

/** Present (not undefined) and then validated; null is refused, unlike @IsOptional. */
const NotNullIfGiven = () => ValidateIf((_o: unknown, value: unknown) => value !== undefined);

/** The six seriousness criteria (SDTM AESDTH, AESLIFE, AESHOSP, AESDISAB, AESCONG, AESMIE); each is answered. */
export class SeriousnessDto {
  @ApiProperty()
  @IsBoolean()
  death: boolean;

  @ApiProperty()
  @IsBoolean()
  lifeThreatening: boolean;

  @ApiProperty({ description: 'hospitalisation or prolonged stay' })
  @IsBoolean()
  hospitalization: boolean;

  @ApiProperty({ description: 'persistent or significant disability' })
  @IsBoolean()
  disability: boolean;

  @ApiProperty()
  @IsBoolean()
  congenitalAnomaly: boolean;

  @ApiProperty()
  @IsBoolean()
  medicallyImportant: boolean;
}

/** A correction may name only the criteria that change. */
export class SeriousnessPatchDto {
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() death?: boolean;
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() lifeThreatening?: boolean;
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() hospitalization?: boolean;
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() disability?: boolean;
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() congenitalAnomaly?: boolean;
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() medicallyImportant?: boolean;
}

export class CreateAdverseEventDto {
  @ApiProperty({ example: 'headache', description: 'verbatim term (AETERM)' })
  @IsString()
  @Matches(/\S/, { message: 'term must not be blank' })
  @MaxLength(300)
  term: string;

  @ApiPropertyOptional({ example: 'Headache', description: 'coded term, e.g. MedDRA preferred term (AEDECOD)' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  codedTerm?: string | null;

  @ApiPropertyOptional({ example: 'MedDRA 27.1' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  dictionaryVersion?: string | null;

  @ApiProperty({ format: 'date-time' })
  @IsInstant()
  onsetAt: string;

  @ApiProperty({ format: 'date-time', description: 'when the site became aware: starts the SAE report clock' })
  @IsInstant()
  awareAt: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsInstant()
  endAt?: string | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'CTCAE grade' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  ctcaeGrade?: number | null;

  @ApiPropertyOptional({ example: '5.0', description: 'required with a grade' })
  @ValidateIf((o: CreateAdverseEventDto) => (o.ctcaeGrade !== undefined && o.ctcaeGrade !== null) || (o.ctcaeVersion !== undefined && o.ctcaeVersion !== null))
  @IsString({ message: 'ctcaeVersion is required with a grade' })
  @Matches(/^\S{1,16}$/, { message: 'ctcaeVersion must be a version such as 5.0' })
  ctcaeVersion?: string | null;

  @ApiProperty({ type: SeriousnessDto })
  @IsObject()
  @ValidateNested()
  @Type(() => SeriousnessDto)
  seriousness: SeriousnessDto;

  @ApiProperty({ enum: RELATEDNESS })
  @IsIn(RELATEDNESS)
  relatedness: Relatedness;

  @ApiPropertyOptional({ description: 'expected per the reference safety information' })
  @IsOptional()
  @IsBoolean()
  expected?: boolean | null;

  @ApiPropertyOptional({ example: 'DOSE NOT CHANGED', description: 'AEACN' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  actionTaken?: string | null;

  @ApiPropertyOptional({ example: 'RECOVERED/RESOLVED', description: 'AEOUT' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  outcome?: string | null;

  @ApiPropertyOptional({ description: 'a "positive" effect such as euphoria (recorded, as the FDA expects)' })
  @IsOptional()
  @IsBoolean()
  positive?: boolean | null;
}

/** The changed fields and a reason. Nullable fields are cleared with null. */
export class UpdateAdverseEventDto {
  @ApiPropertyOptional() @NotNullIfGiven() @IsString() @Matches(/\S/, { message: 'term must not be blank' }) @MaxLength(300) term?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) codedTerm?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) dictionaryVersion?: string | null;
  @ApiPropertyOptional({ format: 'date-time' }) @NotNullIfGiven() @IsInstant() onsetAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @NotNullIfGiven() @IsInstant() awareAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant() endAt?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(5) ctcaeGrade?: number | null;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\S{1,16}$/, { message: 'ctcaeVersion must be a version such as 5.0' }) ctcaeVersion?: string | null;

  @ApiPropertyOptional({ type: SeriousnessPatchDto })
  @NotNullIfGiven()
  @IsObject()
  @ValidateNested()
  @Type(() => SeriousnessPatchDto)
  seriousness?: SeriousnessPatchDto;

  @ApiPropertyOptional({ enum: RELATEDNESS }) @NotNullIfGiven() @IsIn(RELATEDNESS) relatedness?: Relatedness;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() expected?: boolean | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) actionTaken?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) outcome?: string | null;
  @ApiPropertyOptional() @NotNullIfGiven() @IsBoolean() positive?: boolean;

  @ApiProperty({ description: 'why (kept in the audit trail)' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional({ description: 'refuse with 409 version-conflict if the event changed since' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class VoidAdverseEventDto {
  @ApiProperty({ description: 'why the record is void (entered in error, duplicate, ...)' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class ConfirmAdverseEventDto {
  @ApiProperty({ description: 'the investigator signs the grade and relatedness (meaning: approval)' })
  @IsString()
  @MaxLength(256)
  password: string;

  @ApiPropertyOptional({ description: 'required for the first signature of a login session' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  username?: string;
}

export class ReportAdverseEventDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'when it was sent to the sponsor (default: now)' })
  @IsOptional()
  @IsInstant()
  reportedAt?: string;
}

export class ListAdverseEventsQuery {
  @ApiPropertyOptional({ enum: ['overdue', 'open'], description: 'overdue: serious, unreported, past due; open: serious and unreported' })
  @IsOptional()
  @IsIn(['overdue', 'open'])
  due?: 'overdue' | 'open';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  participantId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  sessionId?: string;
}
