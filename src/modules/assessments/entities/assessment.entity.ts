import { Column, Entity, Index } from 'typeorm';
import { IdColumn, JsonTextColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { CorrectableRecord } from '../../../database/record-columns';

/** C-SSRS screen, risk assessment, AVPU, MOAA/S, CADSS/dissociation, SUDS, oxygen on/off, fasting. */
@Entity('assessments')
@Index('ix_assessments_session', ['sessionId'])
export class Assessment extends CorrectableRecord {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @Column({ type: 'varchar', length: 32 })
  instrument: string;

  @JsonTextColumn()
  result: Record<string, unknown>;

  @TimestampColumn({ name: 'taken_at' })
  takenAt: Date;

  @UuidColumn({ name: 'recorded_by' })
  recordedBy: string;

  @TimestampColumn({ name: 'recorded_at' })
  recordedAt: Date;
}
