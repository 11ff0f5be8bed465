import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager, In, Not } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Clock, CLOCK } from '../../common/clock';
import { conflict, invalid, notFound, versionConflict } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import type { ProtocolParameters } from '../../protocols/parameters';
import type { ChecklistFact } from '../../protocols/types';
import { AuditActor, AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { Participant } from '../participants/entities/participant.entity';
import { protocolRefused } from '../participants/participants.service';
import { Session } from '../sessions/entities/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { Signature } from '../signatures/entities/signature.entity';
import { SignaturesService, SignedRecord } from '../signatures/signatures.service';
import { checkItemValue, checklistTitle, signedContent, unmetItems } from './checklist-rules';
import { AmendChecklistDto, RecordItemDto, SignChecklistDto } from './dto/checklist.dto';
import { ChecklistItem } from './entities/checklist-item.entity';
import { Checklist } from './entities/checklist.entity';

/** The signature record type of a checklist version. */
export const CHECKLIST_RECORD = 'checklist';

/** What the audit trail keeps of one item (old and new value of a change). */
const itemState = (i: ChecklistItem) => ({
  key: i.key,
  status: i.status,
  value: i.value ?? null,
  comment: i.comment,
  recordedBy: i.recordedBy,
  recordedAt: i.recordedAt?.toISOString() ?? null,
});

const itemView = (i: ChecklistItem) => ({
  ...itemState(i),
  label: i.label,
  required: i.required,
  appliesTo: i.appliesTo,
  valueKind: i.valueKind,
});

/** Printed name, date and time and meaning, wherever the record is shown (21 CFR 11.50). */
export const signatureView = (s: Signature, check: { valid: boolean; reason?: string }) => ({
  id: s.id,
  userId: s.userId,
  printedName: s.printedName,
  meaning: s.meaning,
  signedAt: s.signedAt.toISOString(),
  method: s.method,
  valid: check.valid,
  invalidReason: check.reason ?? null,
  voidedAt: s.voidedAt?.toISOString() ?? null,
  voidReason: s.voidReason,
});

/** A checklist version with its items in template order (`items` loaded). */
type LoadedChecklist = Checklist & { items: ChecklistItem[] };

/**
 * The session checklists of DOMAIN.md 2: made from the protocol's templates when a session is
 * created, filled in item by item (who and when), signed electronically when complete, read-only
 * once signed, and amended as a new version that voids the old one's signatures.
 */
@Injectable()
export class ChecklistsService implements OnModuleInit {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly signatures: SignaturesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.sessions.onSessionCreated((manager, session, params, actor) => this.createForSession(manager, session, params, actor));
  }

  /**
   * In the session-creation transaction: one open version 1 per template of the study's
   * parameters. Only dosing days have the readiness and discharge checklists.
   */
  async createForSession(manager: EntityManager, session: Session, params: ProtocolParameters, actor: AuditActor): Promise<void> {
    if (session.phase !== 'dosing') return;
    const now = this.clock.now();
    for (const [key, templates] of Object.entries(params.checklists)) {
      // The parameter schema does not bound these lengths; the columns do (varchar on PostgreSQL).
      if (key.length > 32 || templates.some((t) => t.key.length > 64 || t.label.length > 300)) {
        throw invalid(`The study's checklist ${key.slice(0, 40)} has a key or label too long to record`, {
          checklists: ['checklist keys are at most 32 characters, item keys 64, labels 300'],
        });
      }
      const title = checklistTitle(key);
      const checklist = await manager.save(
        manager.create(Checklist, { sessionId: session.id, key, title, version: 1, status: 'open', amendmentReason: null, createdAt: now, signedAt: null, rowVersion: 1 }),
      );
      const items = templates.map((t, index) => ({
        checklistId: checklist.id,
        position: index + 1,
        key: t.key,
        label: t.label,
        required: t.required,
        appliesTo: t.appliesTo,
        valueKind: t.valueKind,
        status: 'open' as const,
        value: null,
        comment: null,
        recordedBy: null,
        recordedAt: null,
      }));
      if (items.length) await manager.save(manager.create(ChecklistItem, items));
      // The hook does not know who created the session; the session.created entry that follows names them.
      await this.audit.record(manager, {
        actor,
        action: 'checklist.created',
        entityType: CHECKLIST_RECORD,
        entityId: checklist.id,
        new: { sessionId: session.id, key, title, version: 1, status: 'open', items: templates.map((t) => t.key) },
      });
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** The current (not superseded) checklists of a session with their items, for the facts provider. */
  async currentForSession(sessionId: string, manager: EntityManager = this.uow.reader): Promise<LoadedChecklist[]> {
    const lists = await manager.find(Checklist, { where: { sessionId, status: Not('superseded') }, relations: { items: true }, order: { key: 'ASC' } });
    return lists.map(sortItems);
  }

  /**
   * The checklists as gate facts: `signed` only while a valid signature covers exactly the
   * recorded content (an altered row or signature reads as unsigned).
   */
  async factsForSession(sessionId: string, manager: EntityManager = this.uow.reader): Promise<Record<string, ChecklistFact>> {
    const out: Record<string, ChecklistFact> = {};
    for (const list of await this.currentForSession(sessionId, manager)) {
      const signatures = list.status === 'signed' ? await this.signatures.listFor(CHECKLIST_RECORD, list.id, manager) : [];
      const record = this.record(list);
      const signed = list.status === 'signed' && signatures.some((s) => this.signatures.check(s, record).valid);
      const items: ChecklistFact['items'] = {};
      for (const i of list.items) items[i.key] = { status: i.status, value: i.value ?? undefined, recordedAt: i.recordedAt?.toISOString() };
      out[list.key] = { signed, signedAt: signed ? list.signedAt?.toISOString() : undefined, items };
    }
    return out;
  }

  async list(sessionId: string, auth: AuthContext, history = false) {
    const session = await this.sessions.get(sessionId, auth);
    const where = history ? { sessionId: session.id } : { sessionId: session.id, status: Not('superseded' as const) };
    const lists = (await this.uow.reader.find(Checklist, { where, relations: { items: true } })).map(sortItems);
    const order = Object.keys(paramsOf(session)?.checklists ?? {});
    const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
    lists.sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key) || b.version - a.version);
    const signatures = lists.length
      ? await this.uow.reader.find(Signature, { where: { recordType: CHECKLIST_RECORD, recordId: In(lists.map((l) => l.id)) }, order: { signedAt: 'ASC' } })
      : [];
    return lists.map((l) => this.view(l, signatures.filter((s) => s.recordId === l.id)));
  }

  private record(list: LoadedChecklist): SignedRecord {
    return { type: CHECKLIST_RECORD, id: list.id, content: signedContent(list, list.items) };
  }

  private view(list: LoadedChecklist, signatures: Signature[]) {
    const record = this.record(list);
    const shown = signatures.map((s) => signatureView(s, this.signatures.check(s, record)));
    return {
      id: list.id,
      key: list.key,
      title: list.title,
      version: list.version,
      /** Moves with every change of this version (an item, a signature): what a signer reviewed. */
      rowVersion: list.rowVersion,
      status: list.status,
      signed: list.status === 'signed' && shown.some((s) => s.valid),
      signedAt: list.signedAt?.toISOString() ?? null,
      amendmentReason: list.amendmentReason,
      createdAt: list.createdAt.toISOString(),
      items: list.items.map(itemView),
      signatures: shown,
    };
  }

  private async viewOf(checklistId: string) {
    const list = sortItems(await this.uow.reader.findOneOrFail(Checklist, { where: { id: checklistId }, relations: { items: true } }));
    return this.view(list, await this.signatures.listFor(CHECKLIST_RECORD, list.id));
  }

  /**
   * The current version of a session's checklist. Inside a write (`lock`) its row is locked on
   * PostgreSQL so that an item edit, a signature and an amendment of one checklist run one after
   * another (SQLite: the write lock already does).
   */
  private async current(manager: EntityManager, sessionId: string, key: string, lock = true): Promise<LoadedChecklist> {
    const query = manager
      .createQueryBuilder(Checklist, 'c')
      .where('c.sessionId = :sessionId AND c.key = :key AND c.status <> :superseded', { sessionId, key, superseded: 'superseded' });
    if (lock && this.uow.isPostgres) query.setLock('pessimistic_write');
    const list = await query.getOne();
    if (!list) throw notFound(`Checklist ${key}`);
    const items = await manager.find(ChecklistItem, { where: { checklistId: list.id }, order: { position: 'ASC' } });
    return Object.assign(list, { items });
  }

  // ---- writes --------------------------------------------------------------------------------

  async recordItem(sessionId: string, key: string, itemKey: string, dto: RecordItemDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const comment = dto.comment?.trim() || null;
    if (dto.status === 'not_applicable' && !comment) {
      throw invalid('An item that does not apply needs a comment saying why', { comment: ['required when status is not_applicable'] });
    }
    const checklistId = await this.uow.run(async (manager) => {
      const list = await this.current(manager, session.id, key);
      if (list.status === 'signed') throw conflict(`The ${list.title} checklist is signed; amend it first`);
      const item = list.items.find((i) => i.key === itemKey);
      if (!item) throw notFound(`Checklist item ${itemKey}`);
      const now = this.clock.now();
      const checked = checkItemValue(item.valueKind, dto.status, dto.value, now);
      if (!checked.ok) throw invalid(`The value does not fit "${item.label}"`, checked.errors);
      const changes = { status: dto.status, value: checked.value, comment, recordedBy: auth.userId, recordedAt: now };
      await manager.update(ChecklistItem, { id: item.id }, changes as QueryDeepPartialEntity<ChecklistItem>);
      await this.bump(manager, list);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'checklist.item-recorded',
        entityType: CHECKLIST_RECORD,
        entityId: list.id,
        old: { checklist: list.key, version: list.version, item: itemState(item) },
        new: { checklist: list.key, version: list.version, item: itemState({ ...item, ...changes }) },
        reason: comment,
      });
      return list.id;
    });
    return this.viewOf(checklistId);
  }

  /**
   * Signs the current version when every required, applicable item is done or not applicable.
   * The password is checked first, in its own transaction (a failure is audited even though
   * nothing is signed); the signature, the status and the audit entry then commit together.
   * A signed checklist may be signed again (review, approval), never edited.
   */
  async sign(sessionId: string, key: string, dto: SignChecklistDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const participant = await this.uow.reader.findOneOrFail(Participant, { where: { id: session.participantId } });
    const seen = await this.current(this.uow.reader, session.id, key, false);
    this.assertReviewed(seen, dto.expectedRowVersion);
    this.assertComplete(seen, participant);
    const signer = await this.signatures.authenticate({ callerId: auth.userId, authSessionId: auth.sessionId, password: dto.password, username: dto.username });
    const signature = await this.uow.run(async (manager) => {
      const list = await this.current(manager, session.id, key);
      if (list.id !== seen.id) throw versionConflict('The checklist was amended meanwhile; review the new version and sign again');
      this.assertReviewed(list, dto.expectedRowVersion);
      this.assertComplete(list, participant);
      const mine = await manager.find(Signature, { where: { recordType: CHECKLIST_RECORD, recordId: list.id, userId: auth.userId, meaning: dto.meaning } });
      if (mine.some((s) => !s.voidedAt)) throw conflict(`You have already signed this checklist version with the meaning ${dto.meaning}`);
      const applied = await this.signatures.apply(manager, signer, dto.meaning, this.record(list));
      const signedAt = list.signedAt ?? applied.signedAt;
      await manager.update(Checklist, { id: list.id }, { status: 'signed', signedAt });
      await this.bump(manager, list);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'checklist.signed',
        entityType: CHECKLIST_RECORD,
        entityId: list.id,
        old: { key: list.key, version: list.version, status: list.status },
        new: { key: list.key, version: list.version, status: 'signed', signedAt: signedAt.toISOString(), signatureId: applied.id, meaning: dto.meaning },
      });
      return applied;
    });
    return { checklistId: seen.id, key: seen.key, version: seen.version, ...signatureView(signature, { valid: true }) };
  }

  /** The signer signs what they reviewed: a checklist changed since (another rowVersion) is refused. */
  private assertReviewed(list: Checklist, expectedRowVersion: number | undefined): void {
    if (expectedRowVersion === undefined || expectedRowVersion === list.rowVersion) return;
    throw versionConflict(
      `The checklist changed since you reviewed it (row version ${expectedRowVersion}, now ${list.rowVersion}); review it again and sign`,
    );
  }

  /** Reopens a signed checklist as a new open version with the recorded values; its signatures are voided. */
  async amend(sessionId: string, key: string, dto: AmendChecklistDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const reason = dto.reason.trim();
    const nextId = await this.uow.run(async (manager) => {
      const old = await this.current(manager, session.id, key);
      if (old.status !== 'signed') throw conflict(`The ${old.title} checklist is not signed; record its items directly instead of amending it`);
      await manager.update(Checklist, { id: old.id }, { status: 'superseded' });
      await this.bump(manager, old);
      const voided = await this.signatures.voidFor(manager, actorOf(auth), CHECKLIST_RECORD, old.id, reason);
      const next = await manager.save(
        manager.create(Checklist, {
          sessionId: session.id,
          key: old.key,
          title: old.title,
          version: old.version + 1,
          status: 'open',
          amendmentReason: reason,
          createdAt: this.clock.now(),
          signedAt: null,
          rowVersion: 1,
        }),
      );
      // The recorded values are kept, so the clinician corrects only what was wrong.
      const copies = old.items.map(({ id: _id, checklist: _list, ...item }) => ({ ...item, checklistId: next.id }));
      if (copies.length) await manager.save(manager.create(ChecklistItem, copies));
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'checklist.amended',
        entityType: CHECKLIST_RECORD,
        entityId: next.id,
        old: { checklistId: old.id, key: old.key, version: old.version, status: 'signed' },
        new: { checklistId: next.id, key: next.key, version: next.version, status: 'open', supersedes: old.id, voidedSignatures: voided },
        reason,
      });
      return next.id;
    });
    return this.viewOf(nextId);
  }

  private assertComplete(list: LoadedChecklist, participant: Participant): void {
    const unmet = unmetItems(list, list.items, participant.childbearingPotential);
    if (unmet.length) throw protocolRefused(unmet, `The ${list.title} checklist cannot be signed`);
  }

  /** Every change to a checklist version moves its row version (kept for clients and reports). */
  private async bump(manager: EntityManager, list: Checklist): Promise<void> {
    const moved = await manager
      .createQueryBuilder()
      .update(Checklist)
      .set({ rowVersion: () => 'row_version + 1' })
      .where('id = :id AND row_version = :rv', { id: list.id, rv: list.rowVersion })
      .execute();
    if (!moved.affected) throw versionConflict();
    list.rowVersion += 1;
  }
}

function sortItems<T extends Checklist>(list: T): T & { items: ChecklistItem[] } {
  const items = [...(list.items ?? [])].sort((a, b) => a.position - b.position);
  return Object.assign(list, { items });
}

const paramsOf = (session: Session) => (session.snapshot?.context as { params?: ProtocolParameters } | undefined)?.params;
