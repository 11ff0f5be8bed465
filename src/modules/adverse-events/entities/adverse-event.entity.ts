import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { CorrectableRecord } from '../../../database/record-columns';

/** An adverse event (SDTM AE), "positive" effects included; serious ones start a reporting clock. */
@Entity('adverse_events')
@Index('ix_adverse_events_participant', ['participantId'])
@Index('ix_adverse_events_due', ['reportDueAt'])
export class AdverseEvent extends CorrectableRecord {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id', nullable: true })
  sessionId: string | null;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @UuidColumn({ name: 'site_id' })
  siteId: string;

  @Column({ type: 'varchar', length: 300 })
  term: string;

  @Column({ type: 'varchar', length: 300, name: 'coded_term', nullable: true })
  codedTerm: string | null;

  @Column({ type: 'varchar', length: 64, name: 'dictionary_version', nullable: true })
  dictionaryVersion: string | null;

  @TimestampColumn({ name: 'onset_at' })
  onsetAt: Date;

  @TimestampColumn({ name: 'end_at', nullable: true })
  endAt: Date | null;

  @TimestampColumn({ name: 'aware_at' })
  awareAt: Date;

  @Column({ type: 'integer', name: 'ctcae_grade', nullable: true })
  ctcaeGrade: number | null;

  @Column({ type: 'varchar', length: 16, name: 'ctcae_version', nullable: true })
  ctcaeVersion: string | null;

  @Column({ type: 'boolean', name: 'sae_death', default: false })
  death: boolean;

  @Column({ type: 'boolean', name: 'sae_life_threatening', default: false })
  lifeThreatening: boolean;

  @Column({ type: 'boolean', name: 'sae_hospitalization', default: false })
  hospitalization: boolean;

  @Column({ type: 'boolean', name: 'sae_disability', default: false })
  disability: boolean;

  @Column({ type: 'boolean', name: 'sae_congenital_anomaly', default: false })
  congenitalAnomaly: boolean;

  @Column({ type: 'boolean', name: 'sae_medically_important', default: false })
  medicallyImportant: boolean;

  @Column({ type: 'varchar', length: 32 })
  relatedness: string;

  @Column({ type: 'boolean', nullable: true })
  expected: boolean | null;

  @Column({ type: 'varchar', length: 64, name: 'action_taken', nullable: true })
  actionTaken: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  outcome: string | null;

  /** A "positive" effect (euphoria, ...) recorded as an adverse event, as the FDA expects. */
  @Column({ type: 'boolean', default: false })
  positive: boolean;

  @Column({ type: 'integer', name: 'minutes_after_dose', nullable: true })
  minutesAfterDose: number | null;

  /** Site -> sponsor report due (serious events only). */
  @TimestampColumn({ name: 'report_due_at', nullable: true })
  reportDueAt: Date | null;

  @TimestampColumn({ name: 'reported_at', nullable: true })
  reportedAt: Date | null;

  @Column({ type: 'varchar', length: 36, name: 'confirmed_by', nullable: true })
  confirmedBy: string | null;

  @TimestampColumn({ name: 'confirmed_at', nullable: true })
  confirmedAt: Date | null;

  @Column({ type: 'varchar', length: 36, name: 'confirmation_signature_id', nullable: true })
  confirmationSignatureId: string | null;

  @UuidColumn({ name: 'recorded_by' })
  recordedBy: string;

  @TimestampColumn({ name: 'recorded_at' })
  recordedAt: Date;
}
