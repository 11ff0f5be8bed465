import type { Unmet } from '../../protocols/types';
import type { ChecklistItem } from './entities/checklist-item.entity';

/**
 * What a checklist accepts and when it can be signed: pure functions, no database, so the
 * service only loads, locks and writes.
 */

export type RecordedStatus = 'done' | 'not_applicable' | 'failed';
export type ValueKind = ChecklistItem['valueKind'];

const TITLES: Record<string, string> = { 'pre-dose': 'Pre-dose readiness', discharge: 'Discharge', 'room-readiness': 'Room and emergency readiness' };

/** 'pre-dose' -> 'Pre-dose readiness'; a site's own list 'night-handover' -> 'Night handover'. */
export function checklistTitle(key: string): string {
  if (TITLES[key]) return TITLES[key];
  const words = key.replace(/[-_]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : key;
}

/** A device or hand reading: mm[Hg], the same plausible ranges the study configuration uses. */
const SYSTOLIC = { min: 40, max: 300 };
const DIASTOLIC = { min: 20, max: 200 };
const TEXT_MAX = 2000;
/** A test "taken" more than this after the server's clock is a typo, not a clock skew. */
const FUTURE_TOLERANCE_MS = 60_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export type ValueCheck = { ok: true; value: unknown } | { ok: false; errors: Record<string, string[]> };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(value: Record<string, unknown>, allowed: string[]): string[] {
  return Object.keys(value).filter((k) => !allowed.includes(k));
}

/**
 * Checks and normalises the value sent for an item, by the item's kind. Returns the value to
 * store (null when none) or field errors under `value...`, the shape of a validation problem.
 */
export function checkItemValue(kind: ValueKind, status: RecordedStatus, raw: unknown, now: Date): ValueCheck {
  const absent = raw === undefined || raw === null;
  const fail = (errors: Record<string, string[]>): ValueCheck => ({ ok: false, errors });
  switch (kind) {
    case 'none':
      return absent ? { ok: true, value: null } : fail({ value: ['this item takes no value'] });

    case 'text':
      if (absent) return { ok: true, value: null };
      if (typeof raw !== 'string' || raw.trim() === '') return fail({ value: ['must be a non-empty text'] });
      if (raw.length > TEXT_MAX) return fail({ value: [`must be at most ${TEXT_MAX} characters`] });
      return { ok: true, value: raw.trim() };

    case 'blood-pressure': {
      if (absent) return { ok: true, value: null };
      if (!isPlainObject(raw)) return fail({ value: ['must be {systolic, diastolic} in mm[Hg]'] });
      const errors: Record<string, string[]> = {};
      const extra = unknownKeys(raw, ['systolic', 'diastolic', 'unit']);
      if (extra.length) errors.value = [`unknown fields: ${extra.join(', ')}`];
      if (raw.unit !== undefined && raw.unit !== 'mm[Hg]') errors['value.unit'] = ['must be mm[Hg]'];
      const inRange = (field: 'systolic' | 'diastolic', range: { min: number; max: number }) => {
        const v = raw[field];
        if (typeof v !== 'number' || !Number.isFinite(v)) errors[`value.${field}`] = ['must be a number'];
        else if (v < range.min || v > range.max) errors[`value.${field}`] = [`must be between ${range.min} and ${range.max} mm[Hg]`];
      };
      inRange('systolic', SYSTOLIC);
      inRange('diastolic', DIASTOLIC);
      if (!errors['value.systolic'] && !errors['value.diastolic'] && (raw.diastolic as number) >= (raw.systolic as number)) {
        errors['value.diastolic'] = ['must be below the systolic pressure'];
      }
      if (Object.keys(errors).length) return fail(errors);
      return { ok: true, value: { systolic: raw.systolic, diastolic: raw.diastolic } };
    }

    case 'pregnancy-test': {
      if (absent) {
        return status === 'done' ? fail({ value: ['a pregnancy test marked done needs {result, takenAt}'] }) : { ok: true, value: null };
      }
      if (!isPlainObject(raw)) return fail({ value: ['must be {result: negative|positive, takenAt}'] });
      const errors: Record<string, string[]> = {};
      const extra = unknownKeys(raw, ['result', 'takenAt']);
      if (extra.length) errors.value = [`unknown fields: ${extra.join(', ')}`];
      if (raw.result !== 'negative' && raw.result !== 'positive') errors['value.result'] = ['must be negative or positive'];
      const takenAt = typeof raw.takenAt === 'string' && ISO_INSTANT.test(raw.takenAt) ? Date.parse(raw.takenAt) : NaN;
      if (Number.isNaN(takenAt)) errors['value.takenAt'] = ['must be an ISO 8601 time with a zone, such as 2026-03-02T06:30:00Z'];
      else if (takenAt > now.getTime() + FUTURE_TOLERANCE_MS) errors['value.takenAt'] = ['must not be in the future'];
      // The item reads "pregnancy test negative": a positive result is a failed item, never a done one.
      if (!errors['value.result'] && raw.result === 'positive' && status === 'done') {
        errors['value.result'] = ['a positive pregnancy test cannot be marked done; record the item as failed'];
      }
      if (Object.keys(errors).length) return fail(errors);
      return { ok: true, value: { result: raw.result, takenAt: new Date(takenAt).toISOString() } };
    }

    default:
      return fail({ value: [`this item's value kind ${String(kind)} is not known`] });
  }
}

type ItemState = Pick<ChecklistItem, 'key' | 'label' | 'required' | 'appliesTo' | 'status'>;

/** Whether an item counts for this participant (a pregnancy test only with childbearing potential). */
export const applies = (item: Pick<ChecklistItem, 'appliesTo'>, childbearingPotential: boolean) =>
  item.appliesTo !== 'childbearing-potential' || childbearingPotential;

/**
 * The items that stop a signature: every required, applicable item must be done or not
 * applicable. Requirement keys and wording follow the dosing gates (`pre-dose.pregnancy-test`).
 */
export function unmetItems(checklist: { key: string; title: string }, items: ItemState[], childbearingPotential: boolean): Unmet[] {
  const out: Unmet[] = [];
  for (const item of items) {
    if (!item.required || !applies(item, childbearingPotential)) continue;
    if (item.status === 'done' || item.status === 'not_applicable') continue;
    const what = item.status === 'failed' ? 'failed' : 'not recorded';
    out.push({ requirement: `${checklist.key}.${item.key}`, message: `${checklist.title} checklist: ${item.label.toLowerCase()} ${what}` });
  }
  return out;
}

/** Exactly what a signature covers: this version and every item's recorded state, in order. */
export function signedContent(checklist: { key: string; version: number }, items: Pick<ChecklistItem, 'key' | 'status' | 'value' | 'comment' | 'position'>[]) {
  return {
    key: checklist.key,
    version: checklist.version,
    items: [...items]
      .sort((a, b) => a.position - b.position)
      .map((i) => ({ key: i.key, status: i.status, value: i.value ?? null, comment: i.comment ?? null })),
  };
}
