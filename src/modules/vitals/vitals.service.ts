import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, IsNull, LessThanOrEqual } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { conflict, invalid, notFound, versionConflict } from '../../common/problem';
import { UnitOfWork } from '../../database/unit-of-work';
import { checkBloodPressure, checkValue, VITAL_SIGNS, VitalCode } from '../../protocols/vital-signs';
import { AuditService } from '../audit/audit.service';
import { AuthContext, actorOf } from '../auth/auth-context';
import { Session } from '../sessions/entities/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { CorrectVitalDto, RecordVitalDto, VitalsQuery, VoidRecordDto } from './dto/vitals.dto';
import { Observation } from './entities/observation.entity';

/** A manual time may be up to this far ahead of the server clock (clocks of tablets differ a little). */
const FUTURE_TOLERANCE_MS = 60_000;

/** How many recent pressure values `latestBloodPressure` looks through to find a complete pair. */
const PAIR_SEARCH_ROWS = 200;

export const observationView = (o: Observation) => ({
  id: o.id,
  sessionId: o.sessionId,
  code: o.code,
  value: o.value,
  unit: o.unit,
  takenAt: o.takenAt.toISOString(),
  receivedAt: o.receivedAt.toISOString(),
  deviceTime: o.deviceTime?.toISOString() ?? null,
  source: o.source,
  deviceId: o.deviceId,
  quality: o.quality,
  loinc: o.loinc,
  readingId: o.readingId,
  enteredBy: o.enteredBy,
  corrected: o.correctedAt !== null,
  correctedAt: o.correctedAt?.toISOString() ?? null,
  voided: o.voidedAt !== null,
  voidedAt: o.voidedAt?.toISOString() ?? null,
  voidReason: o.voidReason,
  version: o.version,
});

export type ObservationView = ReturnType<typeof observationView>;

/** What the audit trail keeps of an observation. */
const auditImage = (o: Observation) => ({
  sessionId: o.sessionId,
  code: o.code,
  value: o.value,
  unit: o.unit,
  takenAt: o.takenAt.toISOString(),
  source: o.source,
  deviceId: o.deviceId,
  readingId: o.readingId,
  version: o.version,
});

export interface BloodPressureReading {
  takenAt: Date;
  systolic: number;
  diastolic: number;
}

/** Keyset cursor of the vitals list: the last row's time and id, opaque to clients. */
function encodeCursor(o: Observation): string {
  return Buffer.from(`${o.takenAt.toISOString()}|${o.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { takenAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const takenAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(takenAt.getTime())) {
    throw invalid('The cursor is not one Vigil gave out', { cursor: ['must be a value of X-Next-Cursor'] });
  }
  return { takenAt, id };
}

/**
 * Vital signs of a session: values taken by hand (checked against the code's unit and
 * plausibility limits, refused rather than stored when impossible), their corrections and
 * voids, and the readings the facts provider and the alarm engine need.
 */
@Injectable()
export class VitalsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // ---- manual values -----------------------------------------------------------------------

  /** Never gated: vitals are recorded whatever the session's state, after it closed too. */
  async record(sessionId: string, dto: RecordVitalDto, auth: AuthContext): Promise<ObservationView[]> {
    const session = await this.sessions.get(sessionId, auth);
    const values = this.manualValues(dto);
    const takenAt = this.manualTime(dto.takenAt, 'takenAt');
    const rows = await this.uow.run(async (manager) => {
      const receivedAt = this.clock.now();
      const readingId = values.length > 1 ? randomUUID() : null;
      const stored: Observation[] = [];
      for (const { code, value } of values) {
        const row = await manager.save(
          manager.create(Observation, {
            sessionId: session.id,
            participantId: session.participantId,
            code,
            loinc: VITAL_SIGNS[code].loinc,
            value,
            unit: VITAL_SIGNS[code].ucum,
            takenAt,
            receivedAt,
            deviceTime: null,
            source: 'manual',
            deviceId: null,
            quality: null,
            readingId,
            enteredBy: auth.userId,
            version: 1,
            correctedAt: null,
            voidedAt: null,
            voidReason: null,
          }),
        );
        await this.audit.record(manager, {
          actor: actorOf(auth),
          action: 'vitals.recorded',
          entityType: 'observation',
          entityId: row.id,
          new: auditImage(row),
        });
        stored.push(row);
      }
      return stored;
    });
    return rows.map(observationView);
  }

  /** The values a request stands for, each checked; an impossible one refuses the whole request. */
  private manualValues(dto: RecordVitalDto): { code: VitalCode; value: number }[] {
    if (dto.code === 'BP') {
      if (dto.value !== undefined) throw invalid('A BP reading has a systolic and a diastolic value', { value: ['not used with code BP; send systolic and diastolic'] });
      const errors = checkBloodPressure(dto.systolic!, dto.diastolic!, dto.unit);
      if (errors) throw invalid(`Blood pressure not recorded: ${Object.values(errors).flat().join('; ')}`, errors);
      return [
        { code: 'SYSBP', value: dto.systolic! },
        { code: 'DIABP', value: dto.diastolic! },
      ];
    }
    if (dto.systolic !== undefined || dto.diastolic !== undefined) {
      throw invalid(`systolic and diastolic go with code BP; ${dto.code} takes a value`, {
        ...(dto.systolic !== undefined ? { systolic: ['only with code BP'] } : {}),
        ...(dto.diastolic !== undefined ? { diastolic: ['only with code BP'] } : {}),
      });
    }
    const reason = checkValue(dto.code, dto.value!, dto.unit);
    if (reason) throw invalid(`${dto.code} not recorded: ${reason}`, { [dto.unit !== VITAL_SIGNS[dto.code].ucum ? 'unit' : 'value']: [reason] });
    return [{ code: dto.code, value: dto.value! }];
  }

  private manualTime(value: string, field: string): Date {
    const at = new Date(value);
    if (at.getTime() > this.clock.now().getTime() + FUTURE_TOLERANCE_MS) {
      throw invalid(`${field} is in the future`, { [field]: ['must not be in the future'] });
    }
    return at;
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Newest first, keyset-paginated; corrected and voided values are included and marked. */
  async list(sessionId: string, query: VitalsQuery, auth: AuthContext): Promise<{ items: ObservationView[]; nextCursor?: string }> {
    const session = await this.sessions.get(sessionId, auth);
    const qb = this.uow.reader.createQueryBuilder(Observation, 'o').where('o.sessionId = :sessionId', { sessionId: session.id });
    if (query.code) qb.andWhere('o.code = :code', { code: query.code });
    if (query.from) qb.andWhere('o.takenAt >= :from', { from: new Date(query.from) });
    if (query.to) qb.andWhere('o.takenAt <= :to', { to: new Date(query.to) });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      qb.andWhere('(o.takenAt < :cursorAt OR (o.takenAt = :cursorAt AND o.id < :cursorId))', { cursorAt: cursor.takenAt, cursorId: cursor.id });
    }
    const rows = await qb
      .orderBy('o.takenAt', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    const page = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor(page[page.length - 1]) : undefined;
    return { items: page.map(observationView), nextCursor };
  }

  async getOne(sessionId: string, recordId: string, auth: AuthContext): Promise<ObservationView> {
    const session = await this.sessions.get(sessionId, auth);
    return observationView(await this.find(this.uow.reader, session, recordId));
  }

  private async find(manager: EntityManager, session: Session, recordId: string): Promise<Observation> {
    const row = await manager.findOne(Observation, { where: { id: recordId, sessionId: session.id } });
    if (!row) throw notFound('Vital sign');
    return row;
  }

  /**
   * The latest complete blood pressure at or before `before` (default: any time): a systolic and
   * a diastolic of one reading (same readingId, or taken at the same instant), neither voided.
   */
  async latestBloodPressure(sessionId: string, before?: Date, manager: EntityManager = this.uow.reader): Promise<BloodPressureReading | null> {
    const rows = await manager.find(Observation, {
      where: { sessionId, code: In(['SYSBP', 'DIABP']), voidedAt: IsNull(), ...(before ? { takenAt: LessThanOrEqual(before) } : {}) },
      order: { takenAt: 'DESC', id: 'DESC' },
      take: PAIR_SEARCH_ROWS,
    });
    const diastolic = rows.filter((r) => r.code === 'DIABP');
    for (const sys of rows.filter((r) => r.code === 'SYSBP')) {
      const dia = diastolic.find((d) => (sys.readingId !== null && d.readingId === sys.readingId) || (d.takenAt.getTime() === sys.takenAt.getTime() && (sys.readingId === null || d.readingId === null)));
      if (dia) return { takenAt: sys.takenAt, systolic: sys.value, diastolic: dia.value };
    }
    return null;
  }

  /** A code's values in a time window (inclusive), oldest first, voided ones left out. */
  readings(sessionId: string, code: VitalCode, from?: Date, to?: Date, manager: EntityManager = this.uow.reader): Promise<Observation[]> {
    const qb = manager
      .createQueryBuilder(Observation, 'o')
      .where('o.sessionId = :sessionId AND o.code = :code AND o.voidedAt IS NULL', { sessionId, code });
    if (from) qb.andWhere('o.takenAt >= :from', { from });
    if (to) qb.andWhere('o.takenAt <= :to', { to });
    return qb.orderBy('o.takenAt', 'ASC').addOrderBy('o.id', 'ASC').getMany();
  }

  // ---- corrections --------------------------------------------------------------------------

  /** A corrected value or time, with a reason; the old values stay in the audit trail. */
  async correct(sessionId: string, recordId: string, dto: CorrectVitalDto, auth: AuthContext): Promise<ObservationView> {
    const session = await this.sessions.get(sessionId, auth);
    if (dto.value === undefined && dto.takenAt === undefined) {
      throw invalid('Nothing to correct: give a value or takenAt', { value: ['value or takenAt is required'] });
    }
    const newTakenAt = dto.takenAt !== undefined ? this.manualTime(dto.takenAt, 'takenAt') : undefined;
    const row = await this.uow.run(async (manager) => {
      const current = await this.find(manager, session, recordId);
      if (current.voidedAt) throw conflict('A voided vital sign cannot be corrected');
      const expected = dto.expectedVersion ?? current.version;
      if (expected !== current.version) throw versionConflict();
      const value = dto.value ?? current.value;
      const takenAt = newTakenAt ?? current.takenAt;
      const reason = checkValue(current.code, value, current.unit);
      if (reason) throw invalid(`${current.code} not corrected: ${reason}`, { value: [reason] });
      await this.assertPairStillValid(manager, current, value);
      if (value === current.value && takenAt.getTime() === current.takenAt.getTime()) {
        throw invalid('Nothing to correct: the value and time are unchanged', { value: ['unchanged'] });
      }
      const now = this.clock.now();
      const result = await manager
        .createQueryBuilder()
        .update(Observation)
        .set({ value, takenAt, correctedAt: now, version: expected + 1 })
        .where('id = :id AND version = :version', { id: current.id, version: expected })
        .execute();
      if (!result.affected) throw versionConflict();
      const updated = { ...current, value, takenAt, correctedAt: now, version: expected + 1 };
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'vitals.corrected',
        entityType: 'observation',
        entityId: current.id,
        old: auditImage(current),
        new: auditImage(updated),
        reason: dto.reason,
      });
      return manager.findOneOrFail(Observation, { where: { id: current.id } });
    });
    return observationView(row);
  }

  /** A corrected half of a cuff reading must still have the systolic above the diastolic. */
  private async assertPairStillValid(manager: EntityManager, current: Observation, value: number): Promise<void> {
    if (!current.readingId || (current.code !== 'SYSBP' && current.code !== 'DIABP')) return;
    const partnerCode = current.code === 'SYSBP' ? 'DIABP' : 'SYSBP';
    const partner = await manager.findOne(Observation, { where: { readingId: current.readingId, code: partnerCode, voidedAt: IsNull() } });
    if (!partner) return;
    const [systolic, diastolic] = current.code === 'SYSBP' ? [value, partner.value] : [partner.value, value];
    if (systolic <= diastolic) {
      throw invalid(`Not corrected: the diastolic ${diastolic} must be below the systolic ${systolic} of the same reading`, { value: ['systolic must exceed diastolic'] });
    }
  }

  /** Entered in error: the value stays, marked void with the reason, and leaves every calculation. */
  async void(sessionId: string, recordId: string, dto: VoidRecordDto, auth: AuthContext): Promise<ObservationView> {
    const session = await this.sessions.get(sessionId, auth);
    const row = await this.uow.run(async (manager) => {
      const current = await this.find(manager, session, recordId);
      if (current.voidedAt) throw conflict('The vital sign is already void');
      const expected = dto.expectedVersion ?? current.version;
      if (expected !== current.version) throw versionConflict();
      const now = this.clock.now();
      const result = await manager
        .createQueryBuilder()
        .update(Observation)
        .set({ voidedAt: now, voidReason: dto.reason, version: expected + 1 })
        .where('id = :id AND version = :version', { id: current.id, version: expected })
        .execute();
      if (!result.affected) throw versionConflict();
      await this.audit.record(manager, {
        actor: actorOf(auth),
        action: 'vitals.voided',
        entityType: 'observation',
        entityId: current.id,
        old: { ...auditImage(current), voided: false },
        new: { ...auditImage({ ...current, version: expected + 1 }), voided: true, voidedAt: now.toISOString() },
        reason: dto.reason,
      });
      return manager.findOneOrFail(Observation, { where: { id: current.id } });
    });
    return observationView(row);
  }
}
