import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { conflict, invalid, notFound, ProblemException, ProblemType, versionConflict } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { CourseContext } from '../../protocols/machines/course.machine';
import { machineId } from '../../protocols/registry';
import { describe, evaluate, PersistedSnapshot, start } from '../../protocols/runtime';
import { emptyFacts } from '../../protocols/facts';
import { SessionEvent } from '../../protocols/types';
import { AuditActor, AuditService } from '../audit/audit.service';
import { AuthContext, actorOf, canSeeSite } from '../auth/auth-context';
import { ProtocolsService } from '../protocols/protocols.service';
import { Site } from '../sites/entities/site.entity';
import { ConfigurationService } from '../studies/configuration.service';
import { Study } from '../studies/entities/study.entity';
import { CreateParticipantDto, EventDto, ListParticipantsQuery } from './dto/participant.dto';
import { Participant } from './entities/participant.entity';

/** Course events carry no clinical facts; the gates read the course context only. */
const courseFacts = emptyFacts;

export const protocolRefused = (unmet: { requirement: string; message: string }[], what: string) =>
  new ProblemException(ProblemType.protocolRefused, `${what}: ${unmet.map((u) => u.message).join('; ')}`, { unmet });

@Injectable()
export class ParticipantsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly protocols: ProtocolsService,
    private readonly configuration: ConfigurationService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(dto: CreateParticipantDto, auth: AuthContext) {
    if (!canSeeSite(auth, dto.siteId)) throw invalid('Unknown site', { siteId: ['no such site among yours'] });
    const participant = await this.uow.run(async (manager) => {
      const study = await manager.findOne(Study, { where: { id: dto.studyId } });
      if (!study) throw invalid('Unknown study', { studyId: ['no such study'] });
      if (!(await manager.exists(Site, { where: { id: dto.siteId } }))) throw invalid('Unknown site', { siteId: ['no such site'] });
      if (await manager.exists(Participant, { where: { studyId: dto.studyId, code: dto.code } })) {
        throw conflict(`Participant ${dto.code} already exists in this study`);
      }
      const config = await this.configuration.current(study.id, manager);
      const runnable = this.protocols.runnable(study.protocolId, study.protocolVersion, 'course');
      const snapshot = start(runnable, { protocolId: study.protocolId, protocolVersion: study.protocolVersion, params: config.parameters });
      const now = this.clock.now();
      const created = manager.create(Participant, {
        studyId: study.id,
        siteId: dto.siteId,
        code: dto.code,
        sex: dto.sex ?? null,
        birthYear: dto.birthYear ?? null,
        childbearingPotential: dto.childbearingPotential ?? false,
        protocolId: study.protocolId,
        protocolVersion: study.protocolVersion,
        machineId: machineId(study.protocolId, study.protocolVersion, 'course'),
        courseSnapshot: snapshot,
        courseState: 'screening.consent',
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      await manager.save(created);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'participant.created',
        entityType: 'participant',
        entityId: created.id,
        new: { code: created.code, studyId: created.studyId, siteId: created.siteId, sex: created.sex, birthYear: created.birthYear, childbearingPotential: created.childbearingPotential, configurationVersion: config.version },
      });
      return created;
    });
    return this.view(participant);
  }

  async list(query: ListParticipantsQuery, auth: AuthContext) {
    if (query.siteId && !canSeeSite(auth, query.siteId)) return [];
    if (!query.siteId && auth.siteIds.length === 0) return [];
    const where: Record<string, unknown> = {};
    if (query.studyId) where.studyId = query.studyId;
    where.siteId = query.siteId ?? In(auth.siteIds);
    const rows = await this.uow.reader.find(Participant, { where, order: { code: 'ASC' } });
    return Promise.all(rows.map((p) => this.view(p)));
  }

  /** Another site's participant answers 404. */
  async get(id: string, auth: AuthContext, manager: EntityManager = this.uow.reader): Promise<Participant> {
    const participant = await manager.findOne(Participant, { where: { id } });
    if (!participant || !canSeeSite(auth, participant.siteId)) throw notFound('Participant');
    return participant;
  }

  async timezoneOf(siteId: string): Promise<string> {
    return (await this.uow.reader.findOne(Site, { where: { id: siteId } }))?.timezone ?? 'UTC';
  }

  async view(participant: Participant) {
    const runnable = this.protocols.runnable(participant.protocolId, participant.protocolVersion, 'course');
    const timezone = await this.timezoneOf(participant.siteId);
    const now = this.clock.now();
    const course = describe(runnable, participant.courseSnapshot, (type) => ({
      type,
      facts: courseFacts(now, timezone),
      waived: [],
      actor: { userId: null, roles: [] },
    }));
    const context = participant.courseSnapshot.context as unknown as CourseContext;
    return {
      id: participant.id,
      code: participant.code,
      studyId: participant.studyId,
      siteId: participant.siteId,
      sex: participant.sex,
      birthYear: participant.birthYear,
      childbearingPotential: participant.childbearingPotential,
      protocol: { id: participant.protocolId, version: participant.protocolVersion },
      course: {
        state: course.state,
        nextEvents: course.nextEvents,
        blocked: course.blocked,
        consentVersion: context.consentVersion,
        consentedAt: context.consentedAt,
        discontinued: context.discontinued,
        ending: context.ending,
        counts: {
          preparation: context.preparationDone,
          dosing: context.dosingDone,
          integration: context.integrationDone,
          followUp: context.followUpDone,
        },
      },
      version: participant.version,
      createdAt: participant.createdAt.toISOString(),
    };
  }

  /** A course event from a clinician (consent, eligibility, endings). */
  async courseEvent(id: string, dto: EventDto, auth: AuthContext) {
    if (dto.type === 'SESSION_CLOSED') throw invalid('SESSION_CLOSED is sent by Vigil itself when a session closes', { type: ['internal event'] });
    const participant = await this.get(id, auth);
    const timezone = await this.timezoneOf(participant.siteId);
    await this.uow.run(async (manager) => {
      const current = await manager.findOneOrFail(Participant, { where: { id } });
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) throw versionConflict();
      const event: SessionEvent = {
        type: dto.type,
        data: dto.data,
        reason: dto.reason,
        facts: courseFacts(this.clock.now(), timezone),
        waived: [],
        actor: { userId: auth.userId, roles: auth.roles },
      };
      await this.applyCourseEvent(manager, current, event, actorOf(auth));
    });
    return this.view(await this.get(id, auth));
  }

  /**
   * Runs one course event inside the caller's transaction: refused with its unmet requirements,
   * or persisted with a conditional update and audited (who, event, from, to, reason).
   */
  async applyCourseEvent(manager: EntityManager, participant: Participant, event: SessionEvent, actor: AuditActor): Promise<PersistedSnapshot> {
    const runnable = this.protocols.runnable(participant.protocolId, participant.protocolVersion, 'course');
    const result = evaluate(runnable, participant.courseSnapshot, event);
    if (!result.accepted) throw protocolRefused(result.unmet, `${event.type} refused`);
    const updated = await manager
      .createQueryBuilder()
      .update(Participant)
      .set({ courseSnapshot: result.snapshot as never, courseState: result.to, version: participant.version + 1, updatedAt: this.clock.now() })
      .where('id = :id AND version = :version', { id: participant.id, version: participant.version })
      .execute();
    if (!updated.affected) throw versionConflict();
    await this.audit.record(manager, {
      actor,
      action: 'participant.course-event',
      entityType: 'participant',
      entityId: participant.id,
      old: { state: result.from },
      new: { state: result.to, event: event.type, data: event.data ?? null },
      reason: event.reason,
    });
    participant.courseSnapshot = result.snapshot;
    participant.courseState = result.to;
    participant.version += 1;
    return result.snapshot;
  }
}
