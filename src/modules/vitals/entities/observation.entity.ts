import { Column, Entity, Index } from 'typeorm';
import { IdColumn, JsonTextColumn, NumberColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { CorrectableRecord } from '../../../database/record-columns';

/**
 * One vital-sign value (SDTM VS code, LOINC, UCUM unit). Receive time is authoritative for a
 * device value; a manual value has the time it was taken and the time it was entered.
 */
@Entity('observations')
@Index('ix_observations_session_code_time', ['sessionId', 'code', 'takenAt'])
export class Observation extends CorrectableRecord {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  /** SDTM VSTESTCD: SYSBP, DIABP, MAP, PULSE, HR, RESP, OXYSAT, TEMP. */
  @Column({ type: 'varchar', length: 16 })
  code: string;

  @Column({ type: 'varchar', length: 16 })
  loinc: string;

  @NumberColumn()
  value: number;

  @Column({ type: 'varchar', length: 16 })
  unit: string;

  /** When it was measured: the manual time, or the receive time for a device value. */
  @TimestampColumn({ name: 'taken_at' })
  takenAt: Date;

  @TimestampColumn({ name: 'received_at' })
  receivedAt: Date;

  /** The device's own clock, stored beside, never trusted alone. */
  @TimestampColumn({ name: 'device_time', nullable: true })
  deviceTime: Date | null;

  @Column({ type: 'varchar', length: 8 })
  source: 'manual' | 'device';

  @Column({ type: 'varchar', length: 36, name: 'device_id', nullable: true })
  deviceId: string | null;

  /** Quality flags (artifact, low perfusion, ...) and the body site or measuring source. */
  @JsonTextColumn({ nullable: true })
  quality: Record<string, unknown> | null;

  /** Links the two values of one cuff reading (SYSBP + DIABP). */
  @Column({ type: 'varchar', length: 36, name: 'reading_id', nullable: true })
  readingId: string | null;

  @Column({ type: 'varchar', length: 36, name: 'entered_by', nullable: true })
  enteredBy: string | null;
}
