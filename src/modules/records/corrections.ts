import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { EntityManager, EntityTarget } from 'typeorm';
import { conflict, invalid, notFound, versionConflict } from '../../common/problem';
import { CorrectableRecord } from '../../database/record-columns';
import { AuditActor, AuditService } from '../audit/audit.service';
import { canonicalJson } from '../audit/canonical-json';

/**
 * Corrections of clinical records (doses, medications, assessments): a record is corrected with a
 * reason or voided as entered in error, never deleted. Each change is a conditional UPDATE on the
 * record's version (0 rows = 409 version-conflict) and one audit entry with the old and new
 * values, in the caller's transaction; the views then say `corrected` / `voided`.
 */
export type SessionRecord = CorrectableRecord & { id: string; sessionId: string | null };

export interface RecordKind<E extends SessionRecord> {
  entity: EntityTarget<E>;
  /** Audit entity type and action prefix: `dose` -> `dose.corrected`, `dose.voided`. */
  type: string;
  /** For messages: "Dose not found". */
  label: string;
}

export interface RecordChange {
  sessionId: string;
  recordId: string;
  reason: string;
  expectedVersion?: number;
  actor: AuditActor;
  now: Date;
}

/** The change a correction or void request describes, for the session record it addresses. */
export const changeOf = (
  sessionId: string,
  recordId: string,
  request: { reason: string; expectedVersion?: number },
  actor: AuditActor,
  now: Date,
): RecordChange => ({ sessionId, recordId, reason: request.reason, expectedVersion: request.expectedVersion, actor, now });

/** Audit and comparison form of a value: instants as ISO strings, everything else as JSON. */
const plain = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value === undefined ? null : value);
const same = (a: unknown, b: unknown) => canonicalJson(plain(a) ?? null) === canonicalJson(plain(b) ?? null);

/** The record of this session, read in the transaction that changes it. */
async function current<E extends SessionRecord>(manager: EntityManager, kind: RecordKind<E>, change: RecordChange): Promise<E> {
  const record = (await manager.findOne(kind.entity, { where: { id: change.recordId } as never })) as E | null;
  if (!record || record.sessionId !== change.sessionId) throw notFound(kind.label);
  if (change.expectedVersion !== undefined && change.expectedVersion !== record.version) throw versionConflict();
  return record;
}

async function conditionalUpdate<E extends SessionRecord>(manager: EntityManager, kind: RecordKind<E>, record: E, set: Record<string, unknown>): Promise<E> {
  const updated = await manager
    .createQueryBuilder()
    .update(kind.entity)
    .set({ ...set, version: record.version + 1 } as never)
    .where('id = :id AND version = :version AND voided_at IS NULL', { id: record.id, version: record.version })
    .execute();
  if (!updated.affected) throw versionConflict();
  return (await manager.findOneOrFail(kind.entity, { where: { id: record.id } as never })) as E;
}

/**
 * Applies the fields of `changes` that differ from the record. `check` sees the record before the
 * change (e.g. to validate a result against its instrument) and may refuse it. Nothing changed is
 * a 400: a correction states what was wrong.
 */
export async function correctRecord<E extends SessionRecord>(
  manager: EntityManager,
  audit: AuditService,
  kind: RecordKind<E>,
  change: RecordChange,
  changes: Partial<E>,
  check?: (record: E) => void | Promise<void>,
): Promise<{ record: E; before: E }> {
  const record = await current(manager, kind, change);
  if (record.voidedAt) throw conflict(`The ${kind.label.toLowerCase()} was voided and cannot be corrected`);
  if (check) await check(record);
  const changed = Object.keys(changes).filter(
    (key) => (changes as Record<string, unknown>)[key] !== undefined && !same((record as Record<string, unknown>)[key], (changes as Record<string, unknown>)[key]),
  );
  if (changed.length === 0) throw invalid('The correction changes nothing: state the corrected fields');
  const set: Record<string, unknown> = { correctedAt: change.now };
  const oldValues: Record<string, unknown> = { version: record.version };
  const newValues: Record<string, unknown> = { version: record.version + 1 };
  for (const key of changed) {
    set[key] = (changes as Record<string, unknown>)[key];
    oldValues[key] = plain((record as Record<string, unknown>)[key]);
    newValues[key] = plain(set[key]);
  }
  const updated = await conditionalUpdate(manager, kind, record, set);
  await audit.record(manager, {
    actor: change.actor,
    action: `${kind.type}.corrected`,
    entityType: kind.type,
    entityId: record.id,
    old: oldValues,
    new: { ...newValues, sessionId: change.sessionId },
    reason: change.reason,
  });
  return { record: updated, before: record };
}

/** Marks the record as entered in error; it stays in lists and reports, marked voided. */
export async function voidRecord<E extends SessionRecord>(manager: EntityManager, audit: AuditService, kind: RecordKind<E>, change: RecordChange): Promise<E> {
  const record = await current(manager, kind, change);
  if (record.voidedAt) throw conflict(`The ${kind.label.toLowerCase()} is already voided`);
  const updated = await conditionalUpdate(manager, kind, record, { voidedAt: change.now, voidReason: change.reason });
  await audit.record(manager, {
    actor: change.actor,
    action: `${kind.type}.voided`,
    entityType: kind.type,
    entityId: record.id,
    old: { voided: false, version: record.version },
    new: { voided: true, version: record.version + 1, sessionId: change.sessionId },
    reason: change.reason,
  });
  return updated;
}

/** The correction trail as the views show it. */
export const correctionView = (record: CorrectableRecord) => ({
  corrected: record.correctedAt !== null,
  correctedAt: record.correctedAt?.toISOString() ?? null,
  voided: record.voidedAt !== null,
  voidedAt: record.voidedAt?.toISOString() ?? null,
  voidReason: record.voidReason,
  version: record.version,
});

/** What every correction and void states: why, and optionally the version it was based on. */
export class RecordChangeDto {
  @ApiProperty({ example: 'transcription error: lot number copied from the wrong kit' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason: string;

  @ApiPropertyOptional({ description: 'refuse with 409 version-conflict if the record changed since' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

/** `POST .../:recordId/void` */
export class VoidRecordDto extends RecordChangeDto {}
