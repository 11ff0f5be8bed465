import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager, LessThan, MoreThan } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { SECRETS, Secrets } from '../../config/secrets';
import { UnitOfWork } from '../../database/unit-of-work';
import { CanonicalAuditPayload, chainHash, GENESIS_HASH, headMac } from './audit-chain';
import { canonicalJson } from './canonical-json';
import { AuditChainHead } from './entities/audit-chain-head.entity';
import { AuditEntry } from './entities/audit-entry.entity';

export interface AuditActor {
  userId: string | null;
  username: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system' };

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  entityType: string;
  entityId?: string | null;
  old?: unknown;
  new?: unknown;
  reason?: string | null;
}

export interface AuditVerification {
  valid: boolean;
  entries: number;
  headHash: string;
  brokenAt?: number;
  problem?: string;
}

const HEAD_ID = 1;
const VERIFY_PAGE = 1000;

@Injectable()
export class AuditService implements OnModuleInit {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Creates the chain head once, so writers always find a row to lock. */
  async onModuleInit(): Promise<void> {
    await this.uow.run(async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(AuditChainHead)
        .values({ id: HEAD_ID, count: 0, headHash: GENESIS_HASH, mac: headMac(this.secrets.auditHmacKey, 0, GENESIS_HASH) })
        .orIgnore()
        .execute();
    });
  }

  /**
   * Appends one entry. Must be called with the manager of the transaction that makes the
   * change, so both commit together. The chain head is read under the SQLite write lock (the
   * caller holds it through UnitOfWork) or with SELECT ... FOR UPDATE on PostgreSQL.
   */
  async record(manager: EntityManager, record: AuditRecord): Promise<AuditEntry> {
    const head = await this.lockHead(manager);
    const seq = head.count + 1;
    const prevHash = head.headHash;
    const payload: CanonicalAuditPayload = {
      seq,
      at: this.clock.now().toISOString(),
      userId: record.actor.userId,
      username: record.actor.username,
      action: record.action,
      entityType: record.entityType,
      entityId: record.entityId ?? null,
      old: record.old === undefined ? null : JSON.parse(JSON.stringify(record.old)),
      new: record.new === undefined ? null : JSON.parse(JSON.stringify(record.new)),
      reason: record.reason ?? null,
      prevHash,
    };
    const canonical = canonicalJson(payload);
    const hash = chainHash(this.secrets.auditHmacKey, prevHash, canonical);
    const entry = manager.create(AuditEntry, {
      seq,
      at: new Date(payload.at),
      userId: payload.userId,
      username: payload.username,
      action: payload.action,
      entityType: payload.entityType,
      entityId: payload.entityId,
      oldValue: payload.old === null ? null : canonicalJson(payload.old),
      newValue: payload.new === null ? null : canonicalJson(payload.new),
      reason: payload.reason,
      canonical,
      prevHash,
      hash,
    });
    await manager.insert(AuditEntry, entry);
    const mac = headMac(this.secrets.auditHmacKey, seq, hash);
    await manager.update(AuditChainHead, { id: HEAD_ID }, { count: seq, headHash: hash, mac });
    return entry;
  }

  /** Records an event that changes nothing else (a failed login, an export) in its own transaction. */
  recordAlone(record: AuditRecord): Promise<AuditEntry> {
    return this.uow.run((manager) => this.record(manager, record));
  }

  private async lockHead(manager: EntityManager): Promise<AuditChainHead> {
    const query = manager.createQueryBuilder(AuditChainHead, 'h').where('h.id = :id', { id: HEAD_ID });
    if (this.uow.isPostgres) query.setLock('pessimistic_write');
    const head = await query.getOne();
    if (!head) throw new Error('audit chain head is missing: the audit trail has been tampered with');
    return head;
  }

  /** Newest first; `cursor` is the sequence number to continue below. */
  async list(filter: { entityType?: string; entityId?: string; limit: number; cursor?: number }) {
    const where: Record<string, unknown> = {};
    if (filter.entityType) where.entityType = filter.entityType;
    if (filter.entityId) where.entityId = filter.entityId;
    if (filter.cursor !== undefined) where.seq = LessThan(filter.cursor);
    const rows = await this.uow.reader.find(AuditEntry, { where, order: { seq: 'DESC' }, take: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const nextCursor = rows.length > filter.limit ? page[page.length - 1].seq : undefined;
    return { entries: page, nextCursor };
  }

  /**
   * Walks the whole chain: sequence without gaps, each entry's HMAC over its stored canonical
   * string, each column against what the canonical string says, and the count, head hash and
   * head MAC kept outside the table (so deleting the newest rows is caught).
   */
  async verify(): Promise<AuditVerification> {
    const key = this.secrets.auditHmacKey;
    const reader = this.uow.reader;
    const head = await reader.findOne(AuditChainHead, { where: { id: HEAD_ID } });
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let entries = 0;
    const broken = (seq: number, problem: string): AuditVerification => ({
      valid: false,
      entries,
      headHash: prevHash,
      brokenAt: seq,
      problem,
    });

    let lastSeq = 0;
    for (;;) {
      const rows = await reader.find(AuditEntry, {
        where: { seq: MoreThan(lastSeq) },
        order: { seq: 'ASC' },
        take: VERIFY_PAGE,
      });
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing`);
        const problem = this.checkEntry(row, prevHash, key);
        if (problem) return broken(row.seq, problem);
        prevHash = row.hash;
        lastSeq = row.seq;
        entries++;
        expectedSeq++;
      }
    }

    if (!head) return broken(entries + 1, 'chain head record is missing');
    if (head.mac !== headMac(key, head.count, head.headHash)) return broken(head.count, 'chain head record was altered');
    if (head.count !== entries) {
      return broken(Math.min(head.count, entries) + 1, `chain head records ${head.count} entries, the table holds ${entries}`);
    }
    if (head.headHash !== prevHash) return broken(entries, 'chain head hash does not match the last entry');
    return { valid: true, entries, headHash: prevHash };
  }

  private checkEntry(row: AuditEntry, prevHash: string, key: string): string | undefined {
    if (row.prevHash !== prevHash) return 'previous-hash link is broken';
    if (chainHash(key, prevHash, row.canonical) !== row.hash) return 'hash does not match the recorded content';
    let payload: CanonicalAuditPayload;
    try {
      payload = JSON.parse(row.canonical) as CanonicalAuditPayload;
    } catch {
      return 'recorded content is not JSON';
    }
    const same =
      payload.seq === row.seq &&
      payload.prevHash === row.prevHash &&
      payload.at === new Date(row.at).toISOString() &&
      payload.userId === row.userId &&
      payload.username === row.username &&
      payload.action === row.action &&
      payload.entityType === row.entityType &&
      payload.entityId === row.entityId &&
      payload.reason === row.reason &&
      (payload.old === null ? null : canonicalJson(payload.old)) === row.oldValue &&
      (payload.new === null ? null : canonicalJson(payload.new)) === row.newValue;
    return same ? undefined : 'a column differs from the recorded content';
  }
}
