import { Column } from 'typeorm';
import { TimestampColumn } from './columns';

/**
 * The correction trail every clinical record carries (vitals, doses, medications, assessments,
 * adverse events): a record is corrected with a reason or voided as entered in error, never
 * deleted; the old values stay in the audit trail and the views say it was corrected.
 */
export abstract class CorrectableRecord {
  @Column({ type: 'integer', default: 1 })
  version: number;

  @TimestampColumn({ name: 'corrected_at', nullable: true })
  correctedAt: Date | null;

  @TimestampColumn({ name: 'voided_at', nullable: true })
  voidedAt: Date | null;

  @Column({ type: 'text', name: 'void_reason', nullable: true })
  voidReason: string | null;
}
