import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { invalid } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { ASSESSMENT_SCHEMAS, AssessmentInstrument, isPositiveCssrs } from '../../protocols/assessments';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { changeOf, correctionView, correctRecord, RecordKind, VoidRecordDto, voidRecord } from '../records/corrections';
import { SessionsService } from '../sessions/sessions.service';
import { CorrectAssessmentDto, CreateAssessmentDto } from './dto/assessment.dto';
import { Assessment } from './entities/assessment.entity';

/** A positive C-SSRS screen (ideation with intent or plan, or any behaviour) alerts the investigator. */
const alertsInvestigator = (instrument: string, result: Record<string, unknown>) => instrument === 'cssrs-screen' && isPositiveCssrs(result);

export const assessmentView = (a: Assessment) => ({
  id: a.id,
  sessionId: a.sessionId,
  participantId: a.participantId,
  instrument: a.instrument,
  result: a.result,
  takenAt: a.takenAt.toISOString(),
  recordedBy: a.recordedBy,
  recordedAt: a.recordedAt.toISOString(),
  alert: !a.voidedAt && alertsInvestigator(a.instrument, a.result) ? ('investigator' as const) : null,
  ...correctionView(a),
});

const ASSESSMENT: RecordKind<Assessment> = { entity: Assessment, type: 'assessment', label: 'Assessment' };

const SKEW_MS = 60_000;

/** The result checked against its instrument's schema; field errors are reported under `result.`. */
export function parseResult(instrument: AssessmentInstrument, result: unknown): Record<string, unknown> {
  const parsed = ASSESSMENT_SCHEMAS[instrument].safeParse(result);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const add = (path: string, message: string) => (errors[path] = [...(errors[path] ?? []), message]);
  for (const issue of parsed.error.issues) {
    const base = ['result', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add(`${base}.${key}`, `is not a field of ${instrument}`);
    else add(base, issue.message);
  }
  throw invalid(`The result is not a valid ${instrument} result: ${Object.keys(errors).join(', ')}`, errors);
}

/**
 * Assessments taken in a session (C-SSRS, risk assessment, AVPU, MOAA/S, CADSS, SUDS, oxygen):
 * never gated. A positive C-SSRS is audited as an alert for the investigator; discharge then waits
 * for a risk assessment (the facts provider reads `latest`).
 */
@Injectable()
export class AssessmentsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(sessionId: string, dto: CreateAssessmentDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const result = parseResult(dto.instrument, dto.result);
    const now = this.clock.now();
    const takenAt = dto.takenAt ? new Date(dto.takenAt) : now;
    this.checkTakenAt(takenAt, now);
    const saved = await this.uow.run(async (manager) => {
      const assessment = manager.create(Assessment, {
        sessionId: session.id,
        participantId: session.participantId,
        instrument: dto.instrument,
        result,
        takenAt,
        recordedBy: auth.userId,
        recordedAt: now,
        version: 1,
        correctedAt: null,
        voidedAt: null,
        voidReason: null,
      });
      await manager.save(assessment);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'assessment.recorded',
        entityType: 'assessment',
        entityId: assessment.id,
        new: { sessionId: session.id, participantId: session.participantId, instrument: dto.instrument, result, takenAt: takenAt.toISOString() },
      });
      if (alertsInvestigator(dto.instrument, result)) await this.auditPositiveCssrs(manager, assessment, auth);
      return assessment;
    });
    return assessmentView(saved);
  }

  /** Newest first. */
  async list(sessionId: string, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const rows = await this.uow.reader.find(Assessment, { where: { sessionId: session.id }, order: { takenAt: 'DESC', recordedAt: 'DESC' } });
    return rows.map(assessmentView);
  }

  /** The newest non-voided assessment of an instrument in a session, or null. */
  latest(sessionId: string, instrument: AssessmentInstrument, manager: EntityManager = this.uow.reader): Promise<Assessment | null> {
    return manager.findOne(Assessment, { where: { sessionId, instrument, voidedAt: IsNull() }, order: { takenAt: 'DESC', recordedAt: 'DESC' } });
  }

  async correct(sessionId: string, assessmentId: string, dto: CorrectAssessmentDto, auth: AuthContext) {
    if (dto.instrument !== undefined) {
      throw invalid('The instrument cannot be corrected: void the assessment and record the right one', { instrument: ['cannot be corrected'] });
    }
    const session = await this.sessions.get(sessionId, auth);
    const now = this.clock.now();
    const takenAt = dto.takenAt === undefined ? undefined : new Date(dto.takenAt);
    if (takenAt) this.checkTakenAt(takenAt, now);
    const changes: Partial<Assessment> = { takenAt };
    const record = await this.uow.run(async (manager) => {
      const { record: updated, before } = await correctRecord(
        manager,
        this.audit,
        ASSESSMENT,
        changeOf(session.id, assessmentId, dto, actorOf(auth), now),
        changes,
        // the result is checked against the record's own instrument, before the changes are compared
        (current) => {
          if (dto.result !== undefined) changes.result = parseResult(current.instrument as AssessmentInstrument, dto.result);
        },
      );
      if (alertsInvestigator(updated.instrument, updated.result) && !alertsInvestigator(before.instrument, before.result)) {
        await this.auditPositiveCssrs(manager, updated, auth);
      }
      return updated;
    });
    return assessmentView(record);
  }

  async void(sessionId: string, assessmentId: string, dto: VoidRecordDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const record = await this.uow.run((manager) =>
      voidRecord(manager, this.audit, ASSESSMENT, changeOf(session.id, assessmentId, dto, actorOf(auth), this.clock.now())),
    );
    return assessmentView(record);
  }

  private checkTakenAt(takenAt: Date, now: Date): void {
    if (takenAt.getTime() > now.getTime() + SKEW_MS) throw invalid('An assessment cannot be taken in the future', { takenAt: ['is in the future'] });
  }

  private auditPositiveCssrs(manager: EntityManager, assessment: Assessment, auth: AuthContext) {
    return this.audit.record(manager, {
      actor: actorOf(auth),
      action: 'assessment.cssrs-positive',
      entityType: 'assessment',
      entityId: assessment.id,
      new: {
        sessionId: assessment.sessionId,
        participantId: assessment.participantId,
        result: assessment.result,
        alert: 'investigator',
        requires: 'a risk assessment or safety plan before discharge',
      },
    });
  }
}
