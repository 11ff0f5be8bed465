import { Column, Entity, Index } from 'typeorm';
import { IdColumn, NumberColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { CorrectableRecord } from '../../../database/record-columns';

/** A dose given: administered by the caller, witnessed by another person who authenticated. */
@Entity('doses')
@Index('ix_doses_session', ['sessionId'])
export class Dose extends CorrectableRecord {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @Column({ type: 'varchar', length: 64 })
  substance: string;

  @NumberColumn({ name: 'amount_mg' })
  amountMg: number;

  @Column({ type: 'varchar', length: 32 })
  route: string;

  @Column({ type: 'varchar', length: 64 })
  lot: string;

  @Column({ type: 'varchar', length: 64, name: 'kit_number', nullable: true })
  kitNumber: string | null;

  @TimestampColumn({ name: 'administered_at' })
  administeredAt: Date;

  @Column({ type: 'varchar', length: 16 })
  kind: 'initial' | 'supplemental' | 'device';

  @Column({ type: 'integer', name: 'device_seq', nullable: true })
  deviceSeq: number | null;

  @UuidColumn({ name: 'administered_by' })
  administeredBy: string;

  @UuidColumn({ name: 'witnessed_by' })
  witnessedBy: string;

  @TimestampColumn({ name: 'recorded_at' })
  recordedAt: Date;
}
