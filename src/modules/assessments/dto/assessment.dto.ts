import { IsInstant } from '../../../common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsDefined, IsIn, IsObject, IsOptional, ValidateIf } from 'class-validator';
import { ASSESSMENT_INSTRUMENTS, type AssessmentInstrument } from '../../../protocols/assessments';
import { RecordChangeDto } from '../../records/corrections';

export class CreateAssessmentDto {
  @ApiProperty({ enum: ASSESSMENT_INSTRUMENTS })
  @IsIn(ASSESSMENT_INSTRUMENTS, { message: `instrument must be one of ${ASSESSMENT_INSTRUMENTS.join(', ')}` })
  instrument: AssessmentInstrument;

  @ApiProperty({ example: { ideation: false, intentOrPlan: false, behaviour: false }, description: "the instrument's result (see src/protocols/assessments.ts)" })
  @IsDefined()
  @IsObject()
  result: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'date-time', description: 'defaults to now' })
  @IsOptional()
  @IsInstant()
  takenAt?: string;
}

export class CorrectAssessmentDto extends RecordChangeDto {
  @ApiPropertyOptional({ description: "the corrected result, complete, in the instrument's format" })
  @ValidateIf((_, v) => v !== undefined)
  @IsObject()
  result?: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'date-time' })
  @ValidateIf((_, v) => v !== undefined)
  @IsInstant()
  takenAt?: string;

  /** Accepted only to be refused with a clear reason. */
  @Allow()
  instrument?: unknown;
}
