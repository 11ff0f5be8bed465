import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';

/** An investigator's signed permission for one refused step to proceed despite one requirement. */
@Entity('gate_overrides')
@Index('ix_overrides_session', ['sessionId'])
export class GateOverride {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @Column({ type: 'varchar', length: 64 })
  requirement: string;

  /** The requirement's message when it was overridden. */
  @Column({ type: 'text' })
  message: string;

  @Column({ type: 'text' })
  reason: string;

  @UuidColumn({ name: 'investigator_id' })
  investigatorId: string;

  @Column({ type: 'varchar', length: 36, name: 'signature_id' })
  signatureId: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  /** Set when a step went through with it; an override lets one step through, once. */
  @TimestampColumn({ name: 'used_at', nullable: true })
  usedAt: Date | null;

  @Column({ type: 'varchar', length: 64, name: 'used_by_event', nullable: true })
  usedByEvent: string | null;
}
