import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { CorrectableRecord } from '../../../database/record-columns';

/** A rescue or concomitant medication (SDTM CM); never gated. */
@Entity('medications')
@Index('ix_medications_participant', ['participantId'])
export class Medication extends CorrectableRecord {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id', nullable: true })
  sessionId: string | null;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** The pharmacological class where known (MAOI, benzodiazepine, ...): the pre-dose gate checks prohibited ones. */
  @Column({ type: 'varchar', length: 64, name: 'drug_class', nullable: true })
  drugClass: string | null;

  @Column({ type: 'varchar', length: 200, name: 'dose_text' })
  doseText: string;

  @Column({ type: 'varchar', length: 32 })
  route: string;

  @TimestampColumn({ name: 'given_at' })
  givenAt: Date;

  @TimestampColumn({ name: 'ended_at', nullable: true })
  endedAt: Date | null;

  @Column({ type: 'varchar', length: 300 })
  indication: string;

  @Column({ type: 'varchar', length: 16 })
  category: 'rescue' | 'concomitant';

  @Column({ type: 'varchar', length: 36, name: 'adverse_event_id', nullable: true })
  adverseEventId: string | null;

  @UuidColumn({ name: 'recorded_by' })
  recordedBy: string;

  @TimestampColumn({ name: 'recorded_at' })
  recordedAt: Date;
}
