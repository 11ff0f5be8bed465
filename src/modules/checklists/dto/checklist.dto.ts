import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { SIGNATURE_MEANINGS, type SignatureMeaning } from '../../signatures/entities/signature.entity';
import type { RecordedStatus } from '../checklist-rules';

export const RECORDED_STATUSES: readonly RecordedStatus[] = ['done', 'not_applicable', 'failed'];

export class RecordItemDto {
  @ApiProperty({ enum: RECORDED_STATUSES })
  @IsIn(RECORDED_STATUSES)
  status: RecordedStatus;

  @ApiPropertyOptional({
    description:
      "by the item's valueKind: pregnancy-test {result: negative|positive, takenAt} (required when done); " +
      'blood-pressure {systolic, diastolic} in mm[Hg]; text a string; none no value',
  })
  @IsOptional()
  @Allow()
  value?: unknown;

  @ApiPropertyOptional({ description: 'required when not_applicable (why it does not apply)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class SignChecklistDto {
  @ApiProperty({ description: "the signer's own password" })
  @IsString()
  @MaxLength(256)
  password: string;

  @ApiProperty({ enum: SIGNATURE_MEANINGS })
  @IsIn(SIGNATURE_MEANINGS)
  meaning: SignatureMeaning;

  @ApiPropertyOptional({ description: 'required for the first signature of a login session' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  username?: string;

  @ApiPropertyOptional({
    description: "the checklist's rowVersion the signer reviewed; when it moved meanwhile the signature is refused (409 version-conflict)",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedRowVersion?: number;
}

export class AmendChecklistDto {
  @ApiProperty({ description: 'why the signed checklist is reopened (audit trail; voids its signatures)' })
  @IsString()
  @MaxLength(2000)
  @Matches(/\S/, { message: 'reason must not be empty' })
  reason: string;
}

export class ChecklistListQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'include superseded versions' })
  @IsOptional()
  @IsIn(['true', 'false'])
  history?: 'true' | 'false';
}
