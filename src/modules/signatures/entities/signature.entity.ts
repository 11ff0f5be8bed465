import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { isPostgres, TimestampColumn, UuidColumn } from '../../../database/columns';

export const SIGNATURE_MEANINGS = ['authorship', 'review', 'approval', 'responsibility'] as const;
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

/**
 * An electronic signature (21 CFR 11.50, 11.70): printed name, UTC time and meaning, linked to
 * the exact record version by the SHA-256 of its canonical form.
 */
@Entity('signatures')
@Index('ix_signatures_record', ['recordType', 'recordId'])
export class Signature {
  /** Assigned before insert, because the seal covers it. */
  @PrimaryColumn(isPostgres() ? { type: 'uuid' } : { type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64, name: 'record_type' })
  recordType: string;

  @Column({ type: 'varchar', length: 64, name: 'record_id' })
  recordId: string;

  @Column({ type: 'varchar', length: 64, name: 'record_hash' })
  recordHash: string;

  @UuidColumn({ name: 'user_id' })
  userId: string;

  @Column({ type: 'varchar', length: 200, name: 'printed_name' })
  printedName: string;

  @Column({ type: 'varchar', length: 16 })
  meaning: SignatureMeaning;

  @TimestampColumn({ name: 'signed_at' })
  signedAt: Date;

  /** 'full' = user id and password; 'password' = password alone within a continuous session. */
  @Column({ type: 'varchar', length: 16 })
  method: 'full' | 'password';

  /**
   * HMAC (audit key) over the signature's own fields: editing the printed name, meaning, time or
   * the record it points to directly in the database makes the signature read as invalid.
   */
  @Column({ type: 'varchar', length: 64 })
  seal: string;

  /** Set when an amendment voids the signature (the record it signed is superseded). */
  @TimestampColumn({ name: 'voided_at', nullable: true })
  voidedAt: Date | null;

  @Column({ type: 'text', name: 'void_reason', nullable: true })
  voidReason: string | null;
}
