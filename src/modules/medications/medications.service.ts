import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { invalid } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { AdverseEvent } from '../adverse-events/entities/adverse-event.entity';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { changeOf, correctionView, correctRecord, RecordKind, VoidRecordDto, voidRecord } from '../records/corrections';
import { SessionsService } from '../sessions/sessions.service';
import { CorrectMedicationDto, CreateMedicationDto } from './dto/medication.dto';
import { Medication } from './entities/medication.entity';
import { distinctDrugClasses } from './medication-classes';

export const medicationView = (m: Medication) => ({
  id: m.id,
  sessionId: m.sessionId,
  participantId: m.participantId,
  name: m.name,
  doseText: m.doseText,
  route: m.route,
  givenAt: m.givenAt.toISOString(),
  endedAt: m.endedAt?.toISOString() ?? null,
  indication: m.indication,
  category: m.category,
  drugClass: m.drugClass,
  adverseEventId: m.adverseEventId,
  recordedBy: m.recordedBy,
  recordedAt: m.recordedAt.toISOString(),
  ...correctionView(m),
});

const MEDICATION: RecordKind<Medication> = { entity: Medication, type: 'medication', label: 'Medication' };

/** A clock skew allowance: a time "now" on the bedside computer may be a little ahead of the server. */
const SKEW_MS = 60_000;

const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value?.trim() || null);

/**
 * Rescue and concomitant medication (SDTM CM): never gated, so it can be recorded at any time,
 * also after the session closed; linked to the adverse event it treats where there is one.
 */
@Injectable()
export class MedicationsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(sessionId: string, dto: CreateMedicationDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const now = this.clock.now();
    const givenAt = new Date(dto.givenAt);
    const endedAt = dto.endedAt ? new Date(dto.endedAt) : null;
    this.checkTimes(givenAt, endedAt, now);
    const saved = await this.uow.run(async (manager) => {
      if (dto.adverseEventId) await this.checkAdverseEvent(manager, dto.adverseEventId, session.participantId);
      const medication = manager.create(Medication, {
        sessionId: session.id,
        participantId: session.participantId,
        name: dto.name.trim(),
        doseText: dto.doseText.trim(),
        route: dto.route.trim(),
        givenAt,
        endedAt,
        indication: dto.indication.trim(),
        category: dto.category ?? 'rescue',
        drugClass: blankToNull(dto.drugClass) ?? null,
        adverseEventId: dto.adverseEventId ?? null,
        recordedBy: auth.userId,
        recordedAt: now,
        version: 1,
        correctedAt: null,
        voidedAt: null,
        voidReason: null,
      });
      await manager.save(medication);
      const view = medicationView(medication);
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'medication.recorded',
        entityType: 'medication',
        entityId: medication.id,
        new: {
          sessionId: view.sessionId,
          participantId: view.participantId,
          name: view.name,
          doseText: view.doseText,
          route: view.route,
          givenAt: view.givenAt,
          endedAt: view.endedAt,
          indication: view.indication,
          category: view.category,
          drugClass: view.drugClass,
          adverseEventId: view.adverseEventId,
        },
      });
      return medication;
    });
    return medicationView(saved);
  }

  async list(sessionId: string, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const rows = await this.uow.reader.find(Medication, { where: { sessionId: session.id }, order: { givenAt: 'DESC', recordedAt: 'DESC' } });
    return rows.map(medicationView);
  }

  async correct(sessionId: string, medicationId: string, dto: CorrectMedicationDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const now = this.clock.now();
    const changes: Partial<Medication> = {
      name: dto.name?.trim(),
      doseText: dto.doseText?.trim(),
      route: dto.route?.trim(),
      givenAt: dto.givenAt === undefined ? undefined : new Date(dto.givenAt),
      endedAt: dto.endedAt === undefined ? undefined : dto.endedAt === null ? null : new Date(dto.endedAt),
      indication: dto.indication?.trim(),
      category: dto.category,
      drugClass: blankToNull(dto.drugClass),
      adverseEventId: dto.adverseEventId,
    };
    const { record } = await this.uow.run((manager) =>
      correctRecord(
        manager,
        this.audit,
        MEDICATION,
        changeOf(session.id, medicationId, dto, actorOf(auth), now),
        changes,
        async (current) => {
          this.checkTimes(changes.givenAt ?? current.givenAt, changes.endedAt === undefined ? current.endedAt : changes.endedAt, now);
          if (changes.adverseEventId) await this.checkAdverseEvent(manager, changes.adverseEventId, current.participantId);
        },
      ),
    );
    return medicationView(record);
  }

  async void(sessionId: string, medicationId: string, dto: VoidRecordDto, auth: AuthContext) {
    const session = await this.sessions.get(sessionId, auth);
    const record = await this.uow.run((manager) =>
      voidRecord(manager, this.audit, MEDICATION, changeOf(session.id, medicationId, dto, actorOf(auth), this.clock.now())),
    );
    return medicationView(record);
  }

  /**
   * The drug classes (MAOI, benzodiazepine, ...) of the participant's medications taken at or
   * before `at` and not stopped before it, voided records excepted: what the pre-dose gate checks
   * against the protocol's prohibited classes.
   */
  async activeClasses(participantId: string, at: Date, manager: EntityManager = this.uow.reader): Promise<string[]> {
    const rows = await manager.find(Medication, {
      where: { participantId, voidedAt: IsNull(), drugClass: Not(IsNull()), givenAt: LessThanOrEqual(at) },
      order: { givenAt: 'ASC' },
    });
    // a medication ended before `at` is no longer taken; one class is listed once however it was spelt
    const classes = rows.filter((m) => !m.endedAt || m.endedAt.getTime() >= at.getTime()).map((m) => m.drugClass!);
    return distinctDrugClasses(classes);
  }

  private checkTimes(givenAt: Date, endedAt: Date | null, now: Date): void {
    const errors: Record<string, string[]> = {};
    if (givenAt.getTime() > now.getTime() + SKEW_MS) errors.givenAt = ['is in the future'];
    if (endedAt && endedAt.getTime() < givenAt.getTime()) errors.endedAt = ['is before givenAt'];
    if (endedAt && endedAt.getTime() > now.getTime() + SKEW_MS) errors.endedAt = [...(errors.endedAt ?? []), 'is in the future'];
    if (Object.keys(errors).length) throw invalid(`Invalid medication times: ${Object.keys(errors).join(', ')}`, errors);
  }

  /** The adverse event a medication treats must exist, be this participant's, and not be voided. */
  private async checkAdverseEvent(manager: EntityManager, adverseEventId: string, participantId: string): Promise<void> {
    const event = await manager.findOne(AdverseEvent, { where: { id: adverseEventId } });
    // another participant's event reads as missing, as records of another site do
    const problem = !event || event.participantId !== participantId ? 'no adverse event of this participant has this id' : event.voidedAt ? 'the adverse event was voided' : undefined;
    if (problem) throw invalid(`adverseEventId: ${problem}`, { adverseEventId: [problem] });
  }
}
