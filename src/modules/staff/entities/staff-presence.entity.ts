import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import type { StaffRole } from '../../../protocols/types';

/** Who was in the room, in which role, from when until when (it changes over a dosing day). */
@Entity('staff_presence')
@Index('ix_staff_session', ['sessionId'])
export class StaffPresence {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'user_id' })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  role: StaffRole;

  @TimestampColumn({ name: 'present_from' })
  presentFrom: Date;

  @TimestampColumn({ name: 'present_until', nullable: true })
  presentUntil: Date | null;

  @Column({ type: 'varchar', length: 36, name: 'recorded_by' })
  recordedBy: string;
}
