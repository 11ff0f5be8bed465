import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager, In, IsNull, Not } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { forbidden, invalid, notFound, ProblemException, ProblemType, versionConflict } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { DosingContext, NOT_OVERRIDABLE } from '../../protocols/gates';
import { ProtocolParameters } from '../../protocols/parameters';
import { allowedPhases, CourseContext } from '../../protocols/machines/course.machine';
import { machineId } from '../../protocols/registry';
import { closeTasks, doseTasks, PlannedTask } from '../../protocols/schedule';
import { describe, evaluate, RunnableMachine, start } from '../../protocols/runtime';
import { SessionEvent, Unmet } from '../../protocols/types';
import { AuditActor, AuditService, SYSTEM_ACTOR } from '../audit/audit.service';
import { AuthContext, actorOf, canSeeSite } from '../auth/auth-context';
import { EventDto } from '../participants/dto/participant.dto';
import { Participant } from '../participants/entities/participant.entity';
import { ParticipantsService, protocolRefused } from '../participants/participants.service';
import { ProtocolsService } from '../protocols/protocols.service';
import { ScheduledTask } from '../scheduler/entities/scheduled-task.entity';
import { NewTask, SchedulerService } from '../scheduler/scheduler.service';
import { SignaturesService } from '../signatures/signatures.service';
import { ConfigurationService } from '../studies/configuration.service';
import { Study } from '../studies/entities/study.entity';
import { User } from '../users/entities/user.entity';
import { CreateOverrideDto, CreateSessionDto } from './dto/session.dto';
import { Deviation } from './entities/deviation.entity';
import { GateOverride } from './entities/override.entity';
import { Session } from './entities/session.entity';
import { FACTS_PROVIDER, FactsProvider } from './facts.provider';

/** Runs when a session is created, in its transaction (e.g. the checklists of its protocol). */
export type SessionCreatedHook = (manager: EntityManager, session: Session, params: ProtocolParameters, actor: AuditActor) => Promise<void>;

/** Writes the domain record behind an event (a dose), in the transaction that accepts the event. */
export type RecordWriter<T> = (manager: EntityManager, session: Session) => Promise<T>;

/** Events a safety monitor may send; everything else is a clinician's or investigator's step. */
const MONITOR_EVENTS = new Set(['RAISE_HOLD']);

/** The protocol's planned tasks as this session's timer rows. */
const forSession = (session: Session, tasks: PlannedTask[]): NewTask[] =>
  tasks.map((task) => ({ ...task, participantId: session.participantId, sessionId: session.id }));

export const deviationView = (d: Deviation) => ({
  id: d.id,
  participantId: d.participantId,
  sessionId: d.sessionId,
  category: d.category,
  requirement: d.requirement,
  description: d.description,
  important: d.important,
  overrideId: d.overrideId,
  recordedBy: d.recordedBy,
  occurredAt: d.occurredAt.toISOString(),
});

/**
 * The session runtime: creates sessions when the course allows, runs their phase machines one
 * event at a time (gate -> transition -> conditional update + audit in one transaction), and
 * keeps the durable timers and the course in step.
 */
@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly createdHooks: SessionCreatedHook[] = [];

  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly protocols: ProtocolsService,
    private readonly configuration: ConfigurationService,
    private readonly participants: ParticipantsService,
    private readonly scheduler: SchedulerService,
    private readonly signatures: SignaturesService,
    @Inject(FACTS_PROVIDER) private readonly facts: FactsProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.scheduler.register('supplemental-window', async (manager, task) => {
      await this.systemEvent(manager, task.sessionId!, 'SUPPLEMENTAL_WINDOW_CLOSED');
    });
    this.scheduler.register('visit-window', (manager, task, firedAt) => this.checkVisitWindow(manager, task, firedAt));
  }

  /** Other modules add what a new session needs (checklists from the protocol's templates). */
  onSessionCreated(hook: SessionCreatedHook): void {
    this.createdHooks.push(hook);
  }

  // ---- sessions ------------------------------------------------------------------------------

  async create(participantId: string, dto: CreateSessionDto, auth: AuthContext) {
    const participant = await this.participants.get(participantId, auth);
    const responsibleId = dto.responsibleInvestigatorId ?? (auth.roles.includes('investigator') ? auth.userId : undefined);
    if (!responsibleId) {
      throw invalid('A session needs a responsible investigator', { responsibleInvestigatorId: ['required unless the caller is an investigator'] });
    }
    const session = await this.uow.run(async (manager) => {
      const current = await manager.findOneOrFail(Participant, { where: { id: participantId } });
      await this.assertInvestigator(manager, responsibleId, current.siteId);
      const allowed = allowedPhases(current.courseState);
      if (!allowed.includes(dto.phase)) {
        throw protocolRefused(
          [{ requirement: 'course.phase', message: `the course is in ${current.courseState}: ${allowed.length ? `only ${allowed.join(', ')} sessions can start` : 'no session can start'}` }],
          `A ${dto.phase} session cannot start`,
        );
      }
      const open = await manager.findOne(Session, { where: { participantId, endedAt: IsNull() } });
      if (open) {
        throw protocolRefused([{ requirement: 'session.open', message: `the ${open.phase} session ${open.sessionNumber} is still open` }], `A ${dto.phase} session cannot start`);
      }
      const study = await manager.findOneOrFail(Study, { where: { id: current.studyId } });
      const config = await this.configuration.current(study.id, manager);
      const course = current.courseSnapshot.context as unknown as CourseContext;
      const sessionNumber = this.sessionNumber(dto.phase, course);
      const runnable = this.protocols.runnable(current.protocolId, current.protocolVersion, dto.phase);
      const input = { protocolId: current.protocolId, protocolVersion: current.protocolVersion, params: config.parameters, sessionNumber, phase: dto.phase };
      const snapshot = start(runnable, input);
      const now = this.clock.now();
      const created = manager.create(Session, {
        participantId,
        studyId: current.studyId,
        siteId: current.siteId,
        phase: dto.phase,
        sessionNumber,
        protocolId: current.protocolId,
        protocolVersion: current.protocolVersion,
        machineId: machineId(current.protocolId, current.protocolVersion, dto.phase),
        configurationVersion: config.version,
        snapshot,
        state: 'scheduled',
        responsibleInvestigatorId: responsibleId,
        scheduledAt: dto.scheduledAt ? new Date(dto.scheduledAt) : null,
        startedAt: null,
        endedAt: null,
        doseAt: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      await manager.save(created);
      for (const hook of this.createdHooks) await hook(manager, created, config.parameters, actorOf(auth));
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'session.created',
        entityType: 'session',
        entityId: created.id,
        new: { participantId, phase: dto.phase, sessionNumber, protocol: `${current.protocolId}@${current.protocolVersion}`, configurationVersion: config.version, responsibleInvestigatorId: responsibleId },
      });
      return created;
    });
    return this.view(session);
  }

  private sessionNumber(phase: string, course: CourseContext): number {
    if (phase === 'preparation') return course.preparationDone + 1;
    if (phase === 'dosing') return course.dosingDone + 1;
    if (phase === 'integration') return course.integrationDone + 1;
    return course.followUpDone + 1;
  }

  private async assertInvestigator(manager: EntityManager, userId: string, siteId: string): Promise<void> {
    const user = await manager.findOne(User, { where: { id: userId }, relations: { siteLinks: true } });
    const ok = user && !user.disabled && user.roles.includes('investigator') && user.siteLinks.some((l) => l.siteId === siteId);
    if (!ok) throw invalid('The responsible investigator must be an active investigator of the site', { responsibleInvestigatorId: ['not an investigator of this site'] });
  }

  async get(id: string, auth: AuthContext, manager: EntityManager = this.uow.reader): Promise<Session> {
    const session = await manager.findOne(Session, { where: { id } });
    if (!session || !canSeeSite(auth, session.siteId)) throw notFound('Session');
    return session;
  }

  async listForParticipant(participantId: string, auth: AuthContext) {
    await this.participants.get(participantId, auth);
    const sessions = await this.uow.reader.find(Session, { where: { participantId }, order: { createdAt: 'DESC' } });
    return Promise.all(sessions.map((s) => this.view(s)));
  }

  private runnable(session: Session): RunnableMachine {
    return this.protocols.runnable(session.protocolId, session.protocolVersion, session.phase);
  }

  private async buildEvent(session: Session, participant: Participant, dto: { type: string; data?: Record<string, unknown>; reason?: string }, actor: { userId: string | null; roles: string[] }): Promise<SessionEvent> {
    const timezone = await this.participants.timezoneOf(session.siteId);
    const facts = await this.facts.sessionFacts(session, participant, { now: this.clock.now(), timezone });
    const waived = (await this.uow.reader.find(GateOverride, { where: { sessionId: session.id, usedAt: IsNull() } })).map((o) => o.requirement);
    return { type: dto.type, data: dto.data, reason: dto.reason, facts, waived, actor };
  }

  /** The session as API.md shows it, with what can happen next and what is blocked, and why. */
  async view(session: Session, viewer?: AuthContext) {
    const participant = await this.uow.reader.findOneOrFail(Participant, { where: { id: session.participantId } });
    const probeBase = await this.buildEvent(session, participant, { type: 'probe' }, { userId: viewer?.userId ?? null, roles: viewer?.roles ?? [] });
    const described = describe(this.runnable(session), session.snapshot, (type) => ({ ...probeBase, type, data: this.probeData(session, type) }));
    const tasks = await this.uow.reader.find(ScheduledTask, { where: { sessionId: session.id, kind: 'vitals-check' }, order: { dueAt: 'ASC' } });
    const context = session.snapshot.context as Record<string, unknown>;
    return {
      id: session.id,
      participantId: session.participantId,
      studyId: session.studyId,
      siteId: session.siteId,
      phase: session.phase,
      sessionNumber: session.sessionNumber,
      protocol: { id: session.protocolId, version: session.protocolVersion },
      configurationVersion: session.configurationVersion,
      state: described.state,
      nextEvents: described.nextEvents,
      blocked: described.blocked,
      startedAt: session.startedAt?.toISOString() ?? null,
      endedAt: session.endedAt?.toISOString() ?? null,
      doseAt: session.doseAt?.toISOString() ?? null,
      exit: (context.exit as string | null) ?? null,
      holdReason: (context.holdReason as string | null) ?? null,
      schedule: tasks.map((t) => ({ key: t.key, dueAt: t.dueAt.toISOString(), doneAt: t.doneAt?.toISOString() ?? null, firedAt: t.firedAt?.toISOString() ?? null })),
      responsibleInvestigatorId: session.responsibleInvestigatorId,
      version: session.version,
    };
  }

  /** Plausible data for a probe, so `blocked` shows the session's requirements, not the request's. */
  private probeData(session: Session, type: string): Record<string, unknown> | undefined {
    if (session.phase !== 'dosing') return undefined;
    const ctx = session.snapshot.context as unknown as DosingContext;
    const plan = ctx.params.dosing.perSession[Math.min(ctx.sessionNumber, ctx.params.dosing.perSession.length) - 1];
    if (type === 'DOSE_INITIAL') return { amountMg: plan.initialMg };
    if (type === 'DOSE_SUPPLEMENTAL') return { amountMg: plan.supplementalMg };
    if (type === 'DOSE_DEVICE') return { amountMg: ctx.params.dosing.deviceMg, deviceSeq: ctx.devicesGiven + 1 };
    return undefined;
  }

  /** A client's event. Refusals are audited and answered 409 with the unmet requirements. */
  async event(id: string, dto: EventDto, auth: AuthContext) {
    return (await this.fire(id, dto, auth)).view;
  }

  /**
   * Fires an event for a domain record (a dose fires its dose event): the gate decides, and the
   * record is written by `write` in the same transaction as the transition, so a refused step
   * stores nothing and an accepted one stores both.
   */
  async eventWithRecord<T>(id: string, dto: EventDto, auth: AuthContext, write: RecordWriter<T>) {
    const { view, record } = await this.fire(id, dto, auth, write);
    return { view, record: record as T };
  }

  private async fire<T>(id: string, dto: EventDto, auth: AuthContext, write?: RecordWriter<T>) {
    const session = await this.withConfigurationInForce(await this.get(id, auth), dto.type);
    const runnable = this.runnable(session);
    if (runnable.internalEvents.includes(dto.type)) throw invalid(`${dto.type} is sent by Vigil itself`, { type: ['internal event'] });
    const clinical = auth.roles.some((r) => r === 'clinician' || r === 'investigator');
    if (!clinical && !MONITOR_EVENTS.has(dto.type)) throw forbidden(`A safety monitor may send ${[...MONITOR_EVENTS].join(', ')} only`);
    const participant = await this.uow.reader.findOneOrFail(Participant, { where: { id: session.participantId } });
    const event = await this.buildEvent(session, participant, dto, { userId: auth.userId, roles: auth.roles });
    const expected = dto.expectedVersion ?? session.version;
    if (expected !== session.version) throw versionConflict();
    const result = evaluate(runnable, session.snapshot, event);
    if (!result.accepted) {
      await this.audit.recordAlone({
        actor: actorOf(auth),
        action: 'session.event-refused',
        entityType: 'session',
        entityId: session.id,
        new: { event: dto.type, state: result.from, unmet: result.unmet },
        reason: dto.reason,
      });
      throw protocolRefused(result.unmet, `${dto.type} refused`);
    }
    let record: T | undefined;
    const updated = await this.uow.run(async (manager) => {
      const next = await this.commit(manager, session, participant, event, result, actorOf(auth), expected);
      if (write) record = await write(manager, next);
      return next;
    });
    return { view: await this.view(updated, auth), record };
  }

  /**
   * A session copies the study configuration in force when it starts (API.md): if it changed
   * between scheduling and START, the not-yet-started machine is set up again with the new one.
   */
  private async withConfigurationInForce(session: Session, type: string): Promise<Session> {
    if (type !== 'START' || session.state !== 'scheduled') return session;
    const config = await this.configuration.current(session.studyId);
    if (config.version === session.configurationVersion) return session;
    const context = session.snapshot.context as { sessionNumber: number };
    const snapshot = start(this.runnable(session), {
      protocolId: session.protocolId,
      protocolVersion: session.protocolVersion,
      params: config.parameters,
      sessionNumber: context.sessionNumber,
      phase: session.phase,
    });
    return { ...session, snapshot, configurationVersion: config.version };
  }

  /** An event Vigil sends itself (a timer): applied in the caller's transaction; a refusal is a no-op. */
  async systemEvent(manager: EntityManager, sessionId: string, type: string, data?: Record<string, unknown>): Promise<boolean> {
    const session = await manager.findOneOrFail(Session, { where: { id: sessionId } });
    const participant = await manager.findOneOrFail(Participant, { where: { id: session.participantId } });
    const event = await this.buildEvent(session, participant, { type, data }, { userId: null, roles: ['system'] });
    const result = evaluate(this.runnable(session), session.snapshot, event);
    if (!result.accepted) return false;
    await this.commit(manager, session, participant, event, result, SYSTEM_ACTOR, session.version);
    return true;
  }

  private async commit(
    manager: EntityManager,
    session: Session,
    participant: Participant,
    event: SessionEvent,
    result: Extract<ReturnType<typeof evaluate>, { accepted: true }>,
    actor: AuditActor,
    expectedVersion: number,
  ): Promise<Session> {
    const now = this.clock.now();
    const before = session.snapshot.context as Record<string, unknown>;
    const after = result.snapshot.context as Record<string, unknown>;
    const closed = result.to === 'closed';
    const changes: Partial<Session> = {
      snapshot: result.snapshot,
      configurationVersion: session.configurationVersion,
      state: result.to,
      version: expectedVersion + 1,
      updatedAt: now,
      startedAt: session.startedAt ?? (result.from === 'scheduled' ? now : null),
      doseAt: typeof after.doseAt === 'string' ? new Date(after.doseAt) : session.doseAt,
      endedAt: closed ? now : session.endedAt,
    };
    // Conditional update: of two concurrent events on one session version, exactly one wins.
    const updated = await manager
      .createQueryBuilder()
      .update(Session)
      .set(changes as never)
      .where('id = :id AND version = :version', { id: session.id, version: expectedVersion })
      .execute();
    if (!updated.affected) throw versionConflict();

    // Overrides whose requirement this step actually needed are spent.
    const gate = this.runnable(session).gates[event.type];
    const needed = gate ? gate(session.snapshot.context as never, { ...event, waived: [] }).map((u) => u.requirement) : [];
    const spent = event.waived.filter((r) => needed.includes(r) && !NOT_OVERRIDABLE.has(r));
    if (spent.length) {
      await manager.update(GateOverride, { sessionId: session.id, requirement: In(spent), usedAt: IsNull() }, { usedAt: now, usedByEvent: event.type });
    }
    await this.audit.record(manager, {
      actor,
      action: 'session.transition',
      entityType: 'session',
      entityId: session.id,
      old: { state: result.from, version: expectedVersion },
      new: { state: result.to, version: expectedVersion + 1, event: event.type, data: event.data ?? null, overridden: spent },
      reason: event.reason,
    });

    if (!before.doseAt && after.doseAt) {
      await this.scheduler.schedule(manager, forSession(session, doseTasks(after as unknown as DosingContext)));
    }
    if (closed) {
      const dosed = typeof after.doseAt === 'string';
      const course = await manager.findOneOrFail(Participant, { where: { id: participant.id } });
      const courseEvent: SessionEvent = { ...event, type: 'SESSION_CLOSED', data: { phase: session.phase, dosed, sessionId: session.id }, waived: [] };
      // The course may have ended meanwhile (a withdrawal during the day): closing still succeeds.
      const courseAccepts = evaluate(this.protocols.runnable(course.protocolId, course.protocolVersion, 'course'), course.courseSnapshot, courseEvent).accepted;
      if (courseAccepts) await this.participants.applyCourseEvent(manager, course, courseEvent, actor);
      await this.scheduler.schedule(
        manager,
        forSession(session, closeTasks(session.phase, session.sessionNumber, now, {
          params: (after as unknown as DosingContext).params,
          doseAt: (after.doseAt as string | null) ?? null,
        })),
      );
    }
    return manager.findOneOrFail(Session, { where: { id: session.id } });
  }

  // ---- overrides and deviations ----------------------------------------------------------------

  /**
   * An investigator lets one refused step through despite one requirement, with a reason and a
   * signature; the protocol deviation is recorded at once.
   */
  async override(id: string, dto: CreateOverrideDto, auth: AuthContext) {
    const session = await this.get(id, auth);
    if (NOT_OVERRIDABLE.has(dto.requirement)) {
      throw new ProblemException(ProblemType.conflict, `${dto.requirement} cannot be overridden`);
    }
    const view = await this.view(session, auth);
    const blocking = view.blocked.flatMap((b) => b.unmet).find((u: Unmet) => u.requirement === dto.requirement);
    if (!blocking) {
      throw invalid(`${dto.requirement} is not blocking any step of this session now`, {
        requirement: [`blocking now: ${[...new Set(view.blocked.flatMap((b) => b.unmet.map((u: Unmet) => u.requirement)))].join(', ') || 'nothing'}`],
      });
    }
    const pending = await this.uow.reader.findOne(GateOverride, { where: { sessionId: session.id, requirement: dto.requirement, usedAt: IsNull() } });
    if (pending) throw new ProblemException(ProblemType.conflict, `${dto.requirement} is already overridden for the next step`);
    const signer = await this.signatures.authenticate({ callerId: auth.userId, authSessionId: auth.sessionId, password: dto.password, username: dto.username });
    const saved = await this.uow.run(async (manager) => {
      const now = this.clock.now();
      const row = manager.create(GateOverride, {
        sessionId: session.id,
        requirement: dto.requirement,
        message: blocking.message,
        reason: dto.reason,
        investigatorId: auth.userId,
        signatureId: '',
        createdAt: now,
        usedAt: null,
        usedByEvent: null,
      });
      await manager.save(row);
      const signature = await this.signatures.apply(manager, signer, 'responsibility', {
        type: 'gate-override',
        id: row.id,
        content: { sessionId: session.id, requirement: dto.requirement, message: blocking.message, reason: dto.reason },
      });
      await manager.update(GateOverride, { id: row.id }, { signatureId: signature.id });
      const deviation = manager.create(Deviation, {
        participantId: session.participantId,
        sessionId: session.id,
        category: 'gate-override',
        requirement: dto.requirement,
        description: `Override of "${blocking.message}": ${dto.reason}`,
        important: dto.requirement.startsWith('predose.') || dto.requirement.startsWith('supplemental.') || dto.requirement.startsWith('discharge.'),
        overrideId: row.id,
        recordedBy: auth.userId,
        occurredAt: now,
      });
      await manager.save(deviation);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'session.override',
        entityType: 'session',
        entityId: session.id,
        new: { overrideId: row.id, requirement: dto.requirement, message: blocking.message, deviationId: deviation.id, signatureId: signature.id },
        reason: dto.reason,
      });
      return { ...row, signatureId: signature.id, deviationId: deviation.id };
    });
    return {
      id: saved.id,
      sessionId: saved.sessionId,
      requirement: saved.requirement,
      message: saved.message,
      reason: saved.reason,
      investigatorId: saved.investigatorId,
      signatureId: saved.signatureId,
      deviationId: saved.deviationId,
      createdAt: saved.createdAt.toISOString(),
    };
  }

  async deviations(id: string, auth: AuthContext) {
    const session = await this.get(id, auth);
    const rows = await this.uow.reader.find(Deviation, { where: { sessionId: session.id }, order: { occurredAt: 'DESC' } });
    return rows.map(deviationView);
  }

  async participantDeviations(participantId: string, auth: AuthContext) {
    await this.participants.get(participantId, auth);
    const rows = await this.uow.reader.find(Deviation, { where: { participantId }, order: { occurredAt: 'DESC' } });
    return rows.map(deviationView);
  }

  async tasks(participantId: string, auth: AuthContext) {
    await this.participants.get(participantId, auth);
    const rows = await this.uow.reader.find(ScheduledTask, { where: { participantId, kind: Not('vitals-check') }, order: { dueAt: 'ASC' } });
    return rows.map((t) => ({ id: t.id, sessionId: t.sessionId, kind: t.kind, key: t.key, label: t.label, dueAt: t.dueAt.toISOString(), firedAt: t.firedAt?.toISOString() ?? null, doneAt: t.doneAt?.toISOString() ?? null }));
  }

  /** A visit window ended: if the visits it asked for did not start in time, that is a deviation. */
  private async checkVisitWindow(manager: EntityManager, task: ScheduledTask, firedAt: Date): Promise<void> {
    const payload = task.payload ?? {};
    const phase = String(payload.phase);
    const after = new Date(String(payload.after));
    const participant = await manager.findOneOrFail(Participant, { where: { id: task.participantId } });
    const state = participant.courseState;
    if (state.startsWith('ended') || state === 'completed') return;
    if (phase === 'dosing' && participant.courseSnapshot && (participant.courseSnapshot.context as unknown as CourseContext).discontinued) return;
    const sessions = await manager.find(Session, { where: { participantId: task.participantId, phase: phase as Session['phase'] } });
    const started = sessions.filter((s) => s.createdAt.getTime() >= after.getTime() && s.createdAt.getTime() <= firedAt.getTime());
    const needed = phase === 'dosing' ? 1 : Number(payload.count ?? 1);
    const have = phase === 'follow-up' ? sessions.length : started.length;
    if (have >= needed) return;
    const deviation = manager.create(Deviation, {
      participantId: task.participantId,
      sessionId: task.sessionId,
      category: 'missed-visit-window',
      requirement: task.key,
      description: `Missed visit window: ${task.label}`,
      important: phase === 'dosing',
      overrideId: null,
      recordedBy: null,
      occurredAt: firedAt,
    });
    await manager.save(deviation);
    await this.audit.record(manager, {
      actor: SYSTEM_ACTOR,
      action: 'deviation.recorded',
      entityType: 'participant',
      entityId: task.participantId,
      new: deviationView(deviation),
    });
  }
}
