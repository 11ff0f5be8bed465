import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { conflict, invalid, notFound, versionConflict } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import type { ProtocolParameters } from '../../protocols/parameters';
import { AuditActor, AuditService } from '../audit/audit.service';
import { AuthContext, actorOf, canSeeSite, isAdmin } from '../auth/auth-context';
import { Session } from '../sessions/entities/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { Signature } from '../signatures/entities/signature.entity';
import { SignaturesService } from '../signatures/signatures.service';
import {
  ConfirmAdverseEventDto,
  CreateAdverseEventDto,
  ListAdverseEventsQuery,
  ReportAdverseEventDto,
  SERIOUSNESS_CRITERIA,
  UpdateAdverseEventDto,
  VoidAdverseEventDto,
} from './dto/adverse-event.dto';
import { AdverseEvent } from './entities/adverse-event.entity';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Times entered by hand may be up to this far ahead of the server clock. */
const FUTURE_TOLERANCE_MS = MINUTE_MS;

/** EU CTR Art. 41: a serious adverse event goes from site to sponsor within 24 h of awareness. */
const DEFAULT_SAE_REPORT_HOURS = 24;

/** The fields of an adverse event a clinician records and corrects. */
const CLINICAL_FIELDS = [
  'term',
  'codedTerm',
  'dictionaryVersion',
  'onsetAt',
  'awareAt',
  'endAt',
  'ctcaeGrade',
  'ctcaeVersion',
  ...SERIOUSNESS_CRITERIA,
  'relatedness',
  'expected',
  'actionTaken',
  'outcome',
  'positive',
] as const;
type ClinicalField = (typeof CLINICAL_FIELDS)[number];
type ClinicalValues = Pick<AdverseEvent, ClinicalField>;

/**
 * What the investigator's confirmation signs (API.md): the grade and relatedness of this term.
 * Changing any of these afterwards voids the confirmation; other corrections (end, outcome) keep it.
 */
const SIGNED_FIELDS: readonly ClinicalField[] = ['term', 'ctcaeGrade', 'ctcaeVersion', 'relatedness'];

export const RECORD_TYPE = 'adverse-event';

const isSerious = (ae: Pick<AdverseEvent, (typeof SERIOUSNESS_CRITERIA)[number]>) => SERIOUSNESS_CRITERIA.some((c) => ae[c]);

const plain = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value === undefined ? null : value);

/** What the audit trail keeps of an adverse event: every field, instants as ISO strings. */
function auditImage(ae: AdverseEvent, fields: readonly string[] = [...CLINICAL_FIELDS, 'minutesAfterDose', 'reportDueAt', 'version']) {
  const image: Record<string, unknown> = {};
  for (const key of fields) image[key] = plain((ae as unknown as Record<string, unknown>)[key]);
  return image;
}

/**
 * The signed content is the confirmed facts themselves, not the record's version: a correction of
 * other fields (end, outcome) keeps the confirmation, a change of these (through the API, which
 * voids it, or behind its back in the database) makes the signature check fail.
 */
const signedContent = (ae: AdverseEvent) => ({
  id: ae.id,
  term: ae.term,
  ctcaeGrade: ae.ctcaeGrade,
  ctcaeVersion: ae.ctcaeVersion,
  relatedness: ae.relatedness,
});

/**
 * Adverse events, "positive" effects included (DOMAIN.md 4): recorded against a session and never
 * gated, with the site-to-sponsor report clock for serious ones, the investigator's signed
 * confirmation of grade and relatedness, corrections with a reason and voids, all audited.
 */
@Injectable()
export class AdverseEventsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly signatures: SignaturesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // ---- views ---------------------------------------------------------------------------------

  private async views(rows: AdverseEvent[]) {
    const ids = rows.map((r) => r.confirmationSignatureId).filter((id): id is string => !!id);
    const signatures = ids.length ? await this.uow.reader.find(Signature, { where: { id: In(ids) } }) : [];
    const byId = new Map(signatures.map((s) => [s.id, s]));
    const now = this.clock.now();
    return rows.map((row) => this.toView(row, now, row.confirmationSignatureId ? byId.get(row.confirmationSignatureId) : undefined));
  }

  private async view(row: AdverseEvent) {
    return (await this.views([row]))[0];
  }

  /** Whether the confirmation still holds for the record as it reads now (signature intact, content unchanged). */
  private confirmationCheck(ae: AdverseEvent, signature?: Signature): { valid: boolean; invalidReason: string | null } {
    if (!signature) return { valid: false, invalidReason: 'the signature is missing' };
    const check = this.signatures.check(signature, { type: RECORD_TYPE, id: ae.id, content: signedContent(ae) });
    return { valid: check.valid, invalidReason: check.valid ? null : (check.reason ?? 'invalid') };
  }

  private toView(ae: AdverseEvent, now: Date, signature?: Signature) {
    const serious = isSerious(ae);
    const voided = ae.voidedAt !== null;
    // IND safety reports (21 CFR 312.32) run on the sponsor's clock: shown for information only.
    // Expectedness not yet assessed counts as possibly unexpected, so the clock is not hidden.
    const indRelevant = serious && ae.expected !== true;
    const fatalOrLifeThreatening = ae.death || ae.lifeThreatening;
    return {
      id: ae.id,
      sessionId: ae.sessionId,
      participantId: ae.participantId,
      siteId: ae.siteId,
      term: ae.term,
      codedTerm: ae.codedTerm,
      dictionaryVersion: ae.dictionaryVersion,
      onsetAt: ae.onsetAt.toISOString(),
      awareAt: ae.awareAt.toISOString(),
      endAt: ae.endAt?.toISOString() ?? null,
      ctcaeGrade: ae.ctcaeGrade,
      ctcaeVersion: ae.ctcaeVersion,
      seriousness: {
        death: ae.death,
        lifeThreatening: ae.lifeThreatening,
        hospitalization: ae.hospitalization,
        disability: ae.disability,
        congenitalAnomaly: ae.congenitalAnomaly,
        medicallyImportant: ae.medicallyImportant,
      },
      serious,
      relatedness: ae.relatedness,
      expected: ae.expected,
      actionTaken: ae.actionTaken,
      outcome: ae.outcome,
      positive: ae.positive,
      minutesAfterDose: ae.minutesAfterDose,
      reportDueAt: ae.reportDueAt?.toISOString() ?? null,
      reportedAt: ae.reportedAt?.toISOString() ?? null,
      overdue: !voided && ae.reportDueAt !== null && ae.reportedAt === null && ae.reportDueAt.getTime() < now.getTime(),
      confirmed: ae.confirmedBy ? { ...this.confirmationCheck(ae, signature), by: ae.confirmedBy, printedName: signature?.printedName ?? null, meaning: signature?.meaning ?? null, at: ae.confirmedAt?.toISOString() ?? null, signatureId: ae.confirmationSignatureId } : null,
      indClocks: {
        days15: indRelevant ? new Date(ae.awareAt.getTime() + 15 * DAY_MS).toISOString() : null,
        days7: indRelevant && fatalOrLifeThreatening ? new Date(ae.awareAt.getTime() + 7 * DAY_MS).toISOString() : null,
        informationOnly: true,
      },
      recordedBy: ae.recordedBy,
      recordedAt: ae.recordedAt.toISOString(),
      corrected: ae.correctedAt !== null,
      correctedAt: ae.correctedAt?.toISOString() ?? null,
      voided,
      voidedAt: ae.voidedAt?.toISOString() ?? null,
      voidReason: ae.voidReason,
      version: ae.version,
    };
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Another site's event answers 404, as if it did not exist. */
  private async find(id: string, auth: AuthContext, manager: EntityManager = this.uow.reader): Promise<AdverseEvent> {
    const row = await manager.findOne(AdverseEvent, { where: { id } });
    if (!row || !canSeeSite(auth, row.siteId)) throw notFound('Adverse event');
    return row;
  }

  async get(id: string, auth: AuthContext) {
    return this.view(await this.find(id, auth));
  }

  /** Site-scoped; `due=overdue` lists serious, unreported, non-void events past their report time. */
  async list(query: ListAdverseEventsQuery, auth: AuthContext) {
    if (!isAdmin(auth) && auth.siteIds.length === 0) return [];
    const qb = this.uow.reader.createQueryBuilder(AdverseEvent, 'ae').where('1 = 1');
    if (!isAdmin(auth)) qb.andWhere('ae.siteId IN (:...siteIds)', { siteIds: auth.siteIds });
    if (query.participantId) qb.andWhere('ae.participantId = :participantId', { participantId: query.participantId });
    if (query.sessionId) qb.andWhere('ae.sessionId = :sessionId', { sessionId: query.sessionId });
    if (query.due) {
      qb.andWhere('ae.reportDueAt IS NOT NULL AND ae.reportedAt IS NULL AND ae.voidedAt IS NULL');
      if (query.due === 'overdue') qb.andWhere('ae.reportDueAt < :now', { now: this.clock.now() });
      qb.orderBy('ae.reportDueAt', 'ASC').addOrderBy('ae.id', 'ASC');
    } else {
      qb.orderBy('ae.recordedAt', 'DESC').addOrderBy('ae.id', 'DESC');
    }
    return this.views(await qb.getMany());
  }

  /** A session's events, newest first (site-scoped through the session). */
  async listForSession(sessionId: string, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const rows = await this.uow.reader.find(AdverseEvent, { where: { sessionId: session.id }, order: { recordedAt: 'DESC', id: 'DESC' } });
    return this.views(rows);
  }

  // ---- recording -----------------------------------------------------------------------------

  /** Never gated: an adverse event is recorded whatever the session's state, after it closed too. */
  async create(sessionId: string, dto: CreateAdverseEventDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const values: ClinicalValues = {
      term: dto.term.trim(),
      codedTerm: dto.codedTerm ?? null,
      dictionaryVersion: dto.dictionaryVersion ?? null,
      onsetAt: new Date(dto.onsetAt),
      awareAt: new Date(dto.awareAt),
      endAt: dto.endAt ? new Date(dto.endAt) : null,
      ctcaeGrade: dto.ctcaeGrade ?? null,
      ctcaeVersion: dto.ctcaeVersion ?? null,
      death: dto.seriousness.death,
      lifeThreatening: dto.seriousness.lifeThreatening,
      hospitalization: dto.seriousness.hospitalization,
      disability: dto.seriousness.disability,
      congenitalAnomaly: dto.seriousness.congenitalAnomaly,
      medicallyImportant: dto.seriousness.medicallyImportant,
      relatedness: dto.relatedness,
      expected: dto.expected ?? null,
      actionTaken: dto.actionTaken ?? null,
      outcome: dto.outcome ?? null,
      positive: dto.positive ?? false,
    };
    this.assertConsistent(values);
    const saved = await this.uow.run(async (manager) => {
      const current = await manager.findOneOrFail(Session, { where: { id: session.id } });
      const row = manager.create(AdverseEvent, {
        ...values,
        sessionId: current.id,
        participantId: current.participantId,
        siteId: current.siteId,
        minutesAfterDose: minutesAfterDose(current, values.onsetAt),
        reportDueAt: this.reportDueAt(current, values),
        reportedAt: null,
        confirmedBy: null,
        confirmedAt: null,
        confirmationSignatureId: null,
        recordedBy: auth.userId,
        recordedAt: this.clock.now(),
        version: 1,
        correctedAt: null,
        voidedAt: null,
        voidReason: null,
      });
      await manager.save(row);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'adverse-event.recorded',
        entityType: RECORD_TYPE,
        entityId: row.id,
        new: { sessionId: row.sessionId, participantId: row.participantId, ...auditImage(row) },
      });
      if (row.reportDueAt) await this.auditSerious(manager, actorOf(auth), row);
      return row;
    });
    return this.view(saved);
  }

  private async auditSerious(manager: EntityManager, actor: AuditActor, row: AdverseEvent): Promise<void> {
    await this.audit.record(manager, {
      actor,
      action: 'adverse-event.serious',
      entityType: RECORD_TYPE,
      entityId: row.id,
      new: {
        criteria: SERIOUSNESS_CRITERIA.filter((c) => row[c]),
        awareAt: row.awareAt.toISOString(),
        reportDueAt: row.reportDueAt!.toISOString(),
      },
    });
  }

  /** awareAt + the study's SAE report hours for a serious event; null otherwise. */
  private reportDueAt(session: Session | null, values: ClinicalValues): Date | null {
    if (!isSerious(values)) return null;
    const params = (session?.snapshot?.context as { params?: Partial<ProtocolParameters> } | undefined)?.params;
    const hours = typeof params?.saeReportHours === 'number' ? params.saeReportHours : DEFAULT_SAE_REPORT_HOURS;
    return new Date(values.awareAt.getTime() + hours * HOUR_MS);
  }

  /** Rules across fields, each with its own message (400). */
  private assertConsistent(v: ClinicalValues): void {
    const errors: Record<string, string[]> = {};
    const latest = this.clock.now().getTime() + FUTURE_TOLERANCE_MS;
    for (const key of ['onsetAt', 'awareAt', 'endAt'] as const) {
      const at = v[key];
      if (at && at.getTime() > latest) errors[key] = ['must not be in the future'];
    }
    if (!errors.awareAt && v.awareAt.getTime() < v.onsetAt.getTime()) errors.awareAt = ['must not be before onsetAt: the site cannot learn of an event before it began'];
    if (!errors.endAt && v.endAt && v.endAt.getTime() < v.onsetAt.getTime()) errors.endAt = ['must not be before onsetAt'];
    if (v.ctcaeGrade !== null && !v.ctcaeVersion) errors.ctcaeVersion = ['is required with a grade (the CTCAE version, e.g. 5.0)'];
    if (v.ctcaeGrade === 5 && !v.death) errors['seriousness.death'] = ['CTCAE grade 5 is death: the death criterion must be set'];
    if (Object.keys(errors).length) {
      throw invalid(`The adverse event is not consistent: ${Object.entries(errors).map(([k, m]) => `${k} ${m.join(', ')}`).join('; ')}`, errors);
    }
  }

  // ---- corrections ---------------------------------------------------------------------------

  /**
   * The changed fields with a reason, audited old and new. A change to seriousness or awareness
   * recomputes the report due time; a change to what the confirmation signed voids it.
   */
  async update(id: string, dto: UpdateAdverseEventDto, auth: AuthContext) {
    await this.find(id, auth);
    const saved = await this.uow.run(async (manager) => {
      const current = await this.find(id, auth, manager);
      if (current.voidedAt) throw conflict('The adverse event was voided and cannot be corrected');
      const expected = dto.expectedVersion ?? current.version;
      if (expected !== current.version) throw versionConflict();

      const next: ClinicalValues = { ...pickClinical(current) };
      const set = (key: ClinicalField, value: unknown) => {
        if (value !== undefined) (next as Record<string, unknown>)[key] = value;
      };
      set('term', dto.term?.trim());
      set('codedTerm', dto.codedTerm);
      set('dictionaryVersion', dto.dictionaryVersion);
      set('onsetAt', dto.onsetAt !== undefined ? new Date(dto.onsetAt) : undefined);
      set('awareAt', dto.awareAt !== undefined ? new Date(dto.awareAt) : undefined);
      set('endAt', dto.endAt === undefined ? undefined : dto.endAt === null ? null : new Date(dto.endAt));
      set('ctcaeGrade', dto.ctcaeGrade);
      set('ctcaeVersion', dto.ctcaeVersion);
      for (const criterion of SERIOUSNESS_CRITERIA) set(criterion, dto.seriousness?.[criterion]);
      set('relatedness', dto.relatedness);
      set('expected', dto.expected);
      set('actionTaken', dto.actionTaken);
      set('outcome', dto.outcome);
      set('positive', dto.positive);

      const changed = CLINICAL_FIELDS.filter((key) => JSON.stringify(plain(next[key])) !== JSON.stringify(plain(current[key])));
      if (changed.length === 0) throw invalid('The correction changes nothing: state the corrected fields');
      this.assertConsistent(next);

      const session = current.sessionId ? await manager.findOne(Session, { where: { id: current.sessionId } }) : null;
      const reportDueAt = this.reportDueAt(session, next);
      const minutes = session ? minutesAfterDose(session, next.onsetAt) : current.minutesAfterDose;
      const unconfirm = current.confirmedBy !== null && changed.some((key) => SIGNED_FIELDS.includes(key));
      const now = this.clock.now();
      const changes: Partial<AdverseEvent> = {
        ...next,
        reportDueAt,
        minutesAfterDose: minutes,
        correctedAt: now,
        version: expected + 1,
        ...(unconfirm ? { confirmedBy: null, confirmedAt: null, confirmationSignatureId: null } : {}),
      };
      const result = await manager
        .createQueryBuilder()
        .update(AdverseEvent)
        .set(changes as never)
        .where('id = :id AND version = :version AND voided_at IS NULL', { id: current.id, version: expected })
        .execute();
      if (!result.affected) throw versionConflict();
      const updated = await manager.findOneOrFail(AdverseEvent, { where: { id: current.id } });

      const derived = ['minutesAfterDose', 'reportDueAt'].filter((k) => JSON.stringify(plain(current[k as keyof AdverseEvent])) !== JSON.stringify(plain(updated[k as keyof AdverseEvent])));
      const fields = [...changed, ...derived, 'version'];
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'adverse-event.corrected',
        entityType: RECORD_TYPE,
        entityId: current.id,
        old: { ...auditImage(current, fields), ...(unconfirm ? { confirmationSignatureId: current.confirmationSignatureId } : {}) },
        new: { ...auditImage(updated, fields), ...(unconfirm ? { confirmationSignatureId: null } : {}) },
        reason: dto.reason,
      });
      if (unconfirm) {
        await this.signatures.voidFor(manager, actorOf(auth), RECORD_TYPE, current.id, `confirmed ${changed.filter((k) => SIGNED_FIELDS.includes(k)).join(', ')} corrected: ${dto.reason}`);
      }
      if (updated.reportDueAt && !current.reportDueAt) await this.auditSerious(manager, actorOf(auth), updated);
      return updated;
    });
    return this.view(saved);
  }

  /** Entered in error: kept, marked void with the reason, and out of the due lists. */
  async void(id: string, dto: VoidAdverseEventDto, auth: AuthContext) {
    await this.find(id, auth);
    const saved = await this.uow.run(async (manager) => {
      const current = await this.find(id, auth, manager);
      if (current.voidedAt) throw conflict('The adverse event is already void');
      const expected = dto.expectedVersion ?? current.version;
      if (expected !== current.version) throw versionConflict();
      const now = this.clock.now();
      const result = await manager
        .createQueryBuilder()
        .update(AdverseEvent)
        .set({ voidedAt: now, voidReason: dto.reason, version: expected + 1 })
        .where('id = :id AND version = :version AND voided_at IS NULL', { id: current.id, version: expected })
        .execute();
      if (!result.affected) throw versionConflict();
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'adverse-event.voided',
        entityType: RECORD_TYPE,
        entityId: current.id,
        old: { voided: false, version: expected },
        new: { voided: true, voidedAt: now.toISOString(), version: expected + 1 },
        reason: dto.reason,
      });
      return manager.findOneOrFail(AdverseEvent, { where: { id: current.id } });
    });
    return this.view(saved);
  }

  // ---- confirmation and reporting ------------------------------------------------------------

  /**
   * The investigator signs (meaning: approval) the grade and relatedness of this version of the
   * event. The signature is authenticated first, outside the transaction, so a failed attempt is
   * audited even though nothing is confirmed.
   */
  async confirm(id: string, dto: ConfirmAdverseEventDto, auth: AuthContext) {
    const before = await this.find(id, auth);
    this.assertConfirmable(before);
    const signer = await this.signatures.authenticate({ callerId: auth.userId, authSessionId: auth.sessionId, password: dto.password, username: dto.username });
    const saved = await this.uow.run(async (manager) => {
      const current = await this.find(id, auth, manager);
      this.assertConfirmable(current);
      if (current.version !== before.version) throw versionConflict('The adverse event changed while you were signing; review it and sign again');
      const signature = await this.signatures.apply(manager, signer, 'approval', { type: RECORD_TYPE, id: current.id, content: signedContent(current) });
      const now = signature.signedAt;
      // The confirmation signs this version; it does not change the clinical record's version.
      const result = await manager
        .createQueryBuilder()
        .update(AdverseEvent)
        .set({ confirmedBy: signer.userId, confirmedAt: now, confirmationSignatureId: signature.id })
        .where('id = :id AND version = :version AND confirmed_by IS NULL AND voided_at IS NULL', { id: current.id, version: current.version })
        .execute();
      if (!result.affected) throw versionConflict();
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'adverse-event.confirmed',
        entityType: RECORD_TYPE,
        entityId: current.id,
        old: { confirmedBy: null },
        new: { confirmedBy: signer.userId, confirmedAt: now.toISOString(), signatureId: signature.id, ...signedContent(current), version: current.version },
      });
      return manager.findOneOrFail(AdverseEvent, { where: { id: current.id } });
    });
    return this.view(saved);
  }

  private assertConfirmable(ae: AdverseEvent): void {
    if (ae.voidedAt) throw conflict('A voided adverse event cannot be confirmed');
    if (ae.confirmedBy) throw conflict('The adverse event is already confirmed');
    if (ae.ctcaeGrade === null) throw conflict('Record a CTCAE grade (and its version) before confirming');
  }

  /** Marks a serious event as reported to the sponsor (audited); lateness stays visible in the trail. */
  async report(id: string, dto: ReportAdverseEventDto, auth: AuthContext) {
    await this.find(id, auth);
    const saved = await this.uow.run(async (manager) => {
      const current = await this.find(id, auth, manager);
      if (current.voidedAt) throw conflict('A voided adverse event is not reported');
      if (!current.reportDueAt) throw conflict('Only a serious adverse event has a report to the sponsor');
      if (current.reportedAt) throw conflict(`The adverse event was already reported at ${current.reportedAt.toISOString()}`);
      const now = this.clock.now();
      const reportedAt = dto.reportedAt ? new Date(dto.reportedAt) : now;
      if (reportedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) throw invalid('reportedAt is in the future', { reportedAt: ['must not be in the future'] });
      if (reportedAt.getTime() < current.awareAt.getTime()) throw invalid('reportedAt is before the site became aware', { reportedAt: ['must not be before awareAt'] });
      const result = await manager
        .createQueryBuilder()
        .update(AdverseEvent)
        .set({ reportedAt, version: current.version + 1 })
        .where('id = :id AND version = :version AND reported_at IS NULL AND voided_at IS NULL', { id: current.id, version: current.version })
        .execute();
      if (!result.affected) throw versionConflict();
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'adverse-event.reported',
        entityType: RECORD_TYPE,
        entityId: current.id,
        old: { reportedAt: null, version: current.version },
        new: {
          reportedAt: reportedAt.toISOString(),
          reportDueAt: current.reportDueAt.toISOString(),
          late: reportedAt.getTime() > current.reportDueAt.getTime(),
          version: current.version + 1,
        },
      });
      return manager.findOneOrFail(AdverseEvent, { where: { id: current.id } });
    });
    return this.view(saved);
  }
}

function pickClinical(ae: AdverseEvent): ClinicalValues {
  const out: Record<string, unknown> = {};
  for (const key of CLINICAL_FIELDS) out[key] = ae[key];
  return out as ClinicalValues;
}

/** Minutes from the session's initial dose to the onset (negative before the dose); null without a dose. */
function minutesAfterDose(session: Session, onsetAt: Date): number | null {
  if (!session.doseAt) return null;
  return Math.floor((onsetAt.getTime() - session.doseAt.getTime()) / MINUTE_MS);
}
