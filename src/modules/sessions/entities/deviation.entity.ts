import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';

/** A protocol deviation (SDTM DV): an override, a missed visit window, ... */
@Entity('deviations')
@Index('ix_deviations_participant', ['participantId'])
@Index('ix_deviations_session', ['sessionId'])
export class Deviation {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @UuidColumn({ name: 'session_id', nullable: true })
  sessionId: string | null;

  /** 'gate-override' | 'missed-visit-window' | ... */
  @Column({ type: 'varchar', length: 32 })
  category: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requirement: string | null;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'boolean' })
  important: boolean;

  @Column({ type: 'varchar', length: 36, name: 'override_id', nullable: true })
  overrideId: string | null;

  @Column({ type: 'varchar', length: 36, name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @TimestampColumn({ name: 'occurred_at' })
  occurredAt: Date;
}
