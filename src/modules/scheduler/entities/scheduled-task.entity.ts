import { Column, Entity, Index } from 'typeorm';
import { IdColumn, JsonTextColumn, TimestampColumn, UuidColumn } from '../../../database/columns';

/**
 * A durable timer: XState `after` does not survive a restore, so every timed thing is a row with
 * a due time, fired once by the scheduler (claimed with `... WHERE fired_at IS NULL`).
 */
@Entity('scheduled_tasks')
@Index('ix_tasks_due', ['firedAt', 'dueAt'])
@Index('ix_tasks_session', ['sessionId'])
@Index('ix_tasks_participant', ['participantId'])
export class ScheduledTask {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'participant_id' })
  participantId: string;

  @UuidColumn({ name: 'session_id', nullable: true })
  sessionId: string | null;

  /** What firing does: see TASK_KINDS. */
  @Column({ type: 'varchar', length: 32 })
  kind: string;

  /** Stable key within its owner, e.g. `vitals+30`, `contact-day-3`. */
  @Column({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'varchar', length: 200 })
  label: string;

  @TimestampColumn({ name: 'due_at' })
  dueAt: Date;

  @TimestampColumn({ name: 'fired_at', nullable: true })
  firedAt: Date | null;

  @TimestampColumn({ name: 'done_at', nullable: true })
  doneAt: Date | null;

  @JsonTextColumn({ nullable: true })
  payload: Record<string, unknown> | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
