import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../../../database/columns';

/**
 * One link of the append-only, HMAC-chained audit trail. `canonical` is the exact RFC 8785
 * string that was hashed; verification recomputes the HMAC over it and checks that the
 * columns still say what it says.
 */
@Entity('audit_entries')
@Index('ix_audit_entity', ['entityType', 'entityId'])
export class AuditEntry {
  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @TimestampColumn()
  at: Date;

  @Column({ type: 'varchar', length: 36, name: 'user_id', nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  username: string | null;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 64, name: 'entity_type' })
  entityType: string;

  @Column({ type: 'varchar', length: 64, name: 'entity_id', nullable: true })
  entityId: string | null;

  /** Canonical JSON text of the value before the change (null for a creation). */
  @Column({ type: 'text', name: 'old_value', nullable: true })
  oldValue: string | null;

  @Column({ type: 'text', name: 'new_value', nullable: true })
  newValue: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'text' })
  canonical: string;

  @Column({ type: 'varchar', length: 64, name: 'prev_hash' })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}
