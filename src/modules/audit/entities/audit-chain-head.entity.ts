import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The chain's count and head hash kept outside the audit table, so deleting the newest
 * entries is detected. `mac` binds count and head with the HMAC key, so the head cannot be
 * rewound to an earlier entry without the key either.
 */
@Entity('audit_chain_head')
export class AuditChainHead {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'integer' })
  count: number;

  @Column({ type: 'varchar', length: 64, name: 'head_hash' })
  headHash: string;

  @Column({ type: 'varchar', length: 64 })
  mac: string;
}
