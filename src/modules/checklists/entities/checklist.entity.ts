import { Column, Entity, Index, OneToMany } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import { ChecklistItem } from './checklist-item.entity';

/**
 * One version of a session's checklist (pre-dose readiness, discharge, ...). Signing makes it
 * read-only; an amendment supersedes it with a new version and voids its signatures.
 */
@Entity('checklists')
@Index('uq_checklists_session_key_version', ['sessionId', 'key', 'version'], { unique: true })
export class Checklist {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @Column({ type: 'varchar', length: 32 })
  key: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 16 })
  status: 'open' | 'signed' | 'superseded';

  @Column({ type: 'text', name: 'amendment_reason', nullable: true })
  amendmentReason: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'signed_at', nullable: true })
  signedAt: Date | null;

  /** Optimistic concurrency for item edits and signing. */
  @Column({ type: 'integer', name: 'row_version', default: 1 })
  rowVersion: number;

  @OneToMany(() => ChecklistItem, (item) => item.checklist)
  items: ChecklistItem[];
}
