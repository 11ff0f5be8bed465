/**
 * Masimo "ASCII 1" serial output (Radical-7, Rad-8): a pure Transform, bytes in, DriverOutput
 * objects out (DEVICES.md "Masimo ASCII"). No port, no clock: receive time and the no-data
 * watchdog belong to the port handling around this parser.
 *
 * Decisions (documented here because the alarm engine relies on them):
 * - Lines are split on `\n` with a trailing `\r` trimmed; empty lines are skipped silently.
 * - A line is `MM/dd/yy HH:mm:ss` then space-separated `KEY=value` tokens, parsed by key, never by
 *   position. Unknown keys (PVI, SPHB, EXC1, ...) are tolerated and not used.
 * - A line that is not well-formed text (no or invalid timestamp, a token without `=`, a
 *   duplicated key, a control byte, a malformed SN/ALARM/EXC/SPO2/BPM value) is rejected whole:
 *   if its flags cannot be read, its values cannot be trusted either.
 * - A value made of `-` (with an optional sign, `.` and `%`: `---`, `--.-%`, `+--`) is "no value":
 *   no observation and no rejection.
 * - Every value goes through `checkValue`; a failing value is rejected (with the raw line) and the
 *   line's other values still stand.
 * - SN: when `expectedSerial` is set the line's SN must match it (leading zeros ignored: the wire
 *   pads to ten digits). A mismatch, or a line carrying no SN, rejects the whole line once and
 *   raises one `wrong-serial` technical event (medium); nothing else from that line is emitted.
 * - Technical events are emitted on EVERY line on which the condition holds (level-triggered, about
 *   once a second), not only on change: the alarm engine debounces and clears a condition when
 *   the events stop, and a consumer that starts (or reconnects) mid-condition still sees it.
 *   One event per condition per line, even when several bits map to it (detail lists them).
 * - ALARM 0x01–0x08 (the device's own SpO2/pulse limit alarms) raise nothing here: Vigil
 *   evaluates its own physiological rules; 0x10 (device alarm active) is reported as an
 *   informational low technical event and names those bits in its detail.
 * - Quality: EXC 0x4 low perfusion -> lowPerfusion, 0x10 interference and 0x40 ambient light ->
 *   interference, 0x400 low signal IQ -> lowSignalIq, 0x8 pulse search -> artifact; a sensor or
 *   cable fault on the same line (0x1, 0x2, 0x20, 0x80, 0x1000, 0x2000, 0x40000) also marks any
 *   value still sent as artifact. 0x800 is the normal full-SET mode and marks nothing.
 * - Order within a line: technical events, then observations (OXYSAT, PULSE), then value rejects.
 * - A line buffered beyond MAX_LINE_BYTES without a newline is rejected once ('line too long',
 *   raw cut to MAX_LINE_BYTES) and the rest of it is discarded up to the next newline, so memory
 *   stays bounded. A partial last line at end of stream is rejected as truncated in flush.
 * - The transform never throws and never emits an error: an unexpected failure becomes a
 *   `rejected` item.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { checkValue, type VitalCode } from '../../protocols/vital-signs';
import type {
  DeviceObservation,
  DriverOptions,
  DriverOutput,
  QualityFlags,
  RejectedFrame,
  TechnicalCondition,
  TechnicalEvent,
} from '../types';

/** Longest line kept in memory; a real ASCII 1 line is about 130 bytes. */
export const MAX_LINE_BYTES = 1024;

const NEWLINE = 0x0a;

export const MASIMO_ALARM = {
  SPO2_HIGH: 0x01,
  SPO2_LOW: 0x02,
  PULSE_HIGH: 0x04,
  PULSE_LOW: 0x08,
  ALARM_ACTIVE: 0x10,
  ALARM_SILENCED: 0x20,
  LOW_BATTERY: 0x40,
} as const;

export const MASIMO_EXC = {
  NO_SENSOR: 0x000001,
  DEFECTIVE_SENSOR: 0x000002,
  LOW_PERFUSION: 0x000004,
  PULSE_SEARCH: 0x000008,
  INTERFERENCE: 0x000010,
  SENSOR_OFF: 0x000020,
  AMBIENT_LIGHT: 0x000040,
  UNRECOGNISED_SENSOR: 0x000080,
  LOW_SIGNAL_IQ: 0x000400,
  /** Full SET mode: normal, not a fault. */
  NORMAL_SET: 0x000800,
  NO_CABLE: 0x001000,
  CABLE_EXPIRED: 0x002000,
  SENSOR_EXPIRED: 0x040000,
} as const;

interface BitRule {
  bit: number;
  condition: TechnicalCondition;
  priority: TechnicalEvent['priority'];
  label: string;
}

/** EXC bits that are technical alarms; several bits may share a condition. */
const EXC_TECHNICAL: readonly BitRule[] = [
  { bit: MASIMO_EXC.NO_SENSOR, condition: 'no-sensor', priority: 'medium', label: 'no sensor' },
  { bit: MASIMO_EXC.SENSOR_OFF, condition: 'sensor-off', priority: 'medium', label: 'sensor off patient' },
  { bit: MASIMO_EXC.DEFECTIVE_SENSOR, condition: 'sensor-fault', priority: 'medium', label: 'defective sensor' },
  { bit: MASIMO_EXC.UNRECOGNISED_SENSOR, condition: 'sensor-fault', priority: 'medium', label: 'unrecognised sensor' },
  { bit: MASIMO_EXC.NO_CABLE, condition: 'cable-fault', priority: 'medium', label: 'no cable' },
  { bit: MASIMO_EXC.CABLE_EXPIRED, condition: 'cable-fault', priority: 'medium', label: 'cable expired' },
  { bit: MASIMO_EXC.SENSOR_EXPIRED, condition: 'sensor-expired', priority: 'medium', label: 'sensor expired' },
];

const EXC_FAULT_MASK = EXC_TECHNICAL.reduce((mask, rule) => mask | rule.bit, 0);

const ALARM_TECHNICAL: readonly BitRule[] = [
  { bit: MASIMO_ALARM.ALARM_SILENCED, condition: 'alarm-silenced', priority: 'low', label: 'device alarm silenced' },
  { bit: MASIMO_ALARM.LOW_BATTERY, condition: 'low-battery', priority: 'low', label: 'device battery low' },
  { bit: MASIMO_ALARM.ALARM_ACTIVE, condition: 'device-alarm', priority: 'low', label: 'device alarm active (informational; the bedside device alarms)' },
];

const ALARM_LIMIT_LABELS: ReadonlyArray<[number, string]> = [
  [MASIMO_ALARM.SPO2_HIGH, 'SpO2 high'],
  [MASIMO_ALARM.SPO2_LOW, 'SpO2 low'],
  [MASIMO_ALARM.PULSE_HIGH, 'pulse high'],
  [MASIMO_ALARM.PULSE_LOW, 'pulse low'],
];

/** Masimo keys that become observations. */
const VALUE_KEYS: ReadonlyArray<{ key: string; code: VitalCode; unit: string; allowPercent: boolean }> = [
  { key: 'SPO2', code: 'OXYSAT', unit: '%', allowPercent: true },
  { key: 'BPM', code: 'PULSE', unit: '/min', allowPercent: false },
];

const TIMESTAMP = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?: +|$)/;
/** Printable ASCII plus tab; anything else on the line means a corrupted line. */
const PRINTABLE = /^[\x20-\x7e\t]*$/;
const NUMBER = /^\+?(\d{1,4}(?:\.\d{1,3})?)(%?)$/;
const HEX = /^[0-9A-Fa-f]{1,8}$/;
const SERIAL = /^[0-9A-Za-z]{1,32}$/;

/** A value filled with `-`: optional sign, then only `-` and `.` (at least one `-`), optional `%`. */
export function isDashValue(value: string): boolean {
  return /^[+-]?[-.]*-[-.]*%?$/.test(value) || value === '-';
}

type LineResult = DriverOutput[];

class LineError extends Error {}

function hexField(fields: Map<string, string>, key: string): number | null {
  const raw = fields.get(key);
  if (raw === undefined || isDashValue(raw)) return null;
  if (!HEX.test(raw)) throw new LineError(`${key}=${raw} is not a hexadecimal bitfield`);
  return parseInt(raw, 16);
}

function hex(bit: number): string {
  return `0x${bit.toString(16)}`;
}

function normaliseSerial(serial: string): string {
  const stripped = serial.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** Parse one complete line (no `\n`, `\r` trimmed). Exported for tests; never throws. */
export function parseMasimoLine(line: string, options: DriverOptions = {}): LineResult {
  const reject = (reason: string): RejectedFrame => ({ kind: 'rejected', reason, raw: line });
  try {
    if (!PRINTABLE.test(line)) return [reject('line holds non-printable bytes (corrupted or not Masimo ASCII)')];
    const ts = TIMESTAMP.exec(line);
    if (!ts) return [reject('line does not start with a MM/dd/yy HH:mm:ss timestamp')];
    const [, mm, dd, , hh, mi, ss] = ts.map(Number);
    if (mm < 1 || mm > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) {
      return [reject(`invalid device timestamp ${ts[0].trim()}`)];
    }
    const deviceTime = ts[0].trim();

    const fields = new Map<string, string>();
    const rest = line.slice(ts[0].length).trim();
    if (rest === '') return [reject('line holds a timestamp and no KEY=value fields')];
    for (const token of rest.split(/[ \t]+/)) {
      const eq = token.indexOf('=');
      if (eq <= 0) return [reject(`token "${token}" is not KEY=value`)];
      const key = token.slice(0, eq).toUpperCase();
      if (fields.has(key)) return [reject(`key ${key} appears twice`)];
      fields.set(key, token.slice(eq + 1));
    }

    // Serial number first: a line from another device yields nothing else.
    const sn = fields.get('SN');
    if (sn !== undefined && !isDashValue(sn) && !SERIAL.test(sn)) return [reject(`SN=${sn} is not a serial number`)];
    const expected = options.expectedSerial;
    if (expected !== undefined && expected !== null && expected !== '') {
      const hasSn = sn !== undefined && !isDashValue(sn);
      if (!hasSn || normaliseSerial(sn) !== normaliseSerial(expected)) {
        const why = hasSn ? `SN ${sn} is not the registered device ${expected}` : `line carries no SN to check against the registered device ${expected}`;
        return [reject(why), { kind: 'technical', condition: 'wrong-serial', priority: 'medium', detail: why }];
      }
    }

    const alarm = hexField(fields, 'ALARM');
    const exc = hexField(fields, 'EXC');

    // Syntax of the values before anything is emitted, so a corrupted line yields one reject only.
    const parsed: Array<{ code: VitalCode; unit: string; value: number; key: string; raw: string }> = [];
    for (const spec of VALUE_KEYS) {
      const raw = fields.get(spec.key);
      if (raw === undefined || isDashValue(raw)) continue;
      const m = NUMBER.exec(raw);
      if (!m || (m[2] === '%' && !spec.allowPercent)) return [reject(`${spec.key}=${raw} is not a number`)];
      parsed.push({ code: spec.code, unit: spec.unit, value: Number(m[1]), key: spec.key, raw });
    }

    const out: DriverOutput[] = [];
    if (exc !== null) {
      for (const [condition, rules] of groupRules(EXC_TECHNICAL, exc)) {
        out.push({
          kind: 'technical',
          condition,
          priority: rules[0].priority,
          detail: `Masimo EXC=${fields.get('EXC')}: ${rules.map((r) => `${r.label} (${hex(r.bit)})`).join(', ')}`,
        });
      }
    }
    if (alarm !== null) {
      for (const [condition, rules] of groupRules(ALARM_TECHNICAL, alarm)) {
        let detail = `Masimo ALARM=${fields.get('ALARM')}: ${rules.map((r) => `${r.label} (${hex(r.bit)})`).join(', ')}`;
        if (condition === 'device-alarm') {
          const limits = ALARM_LIMIT_LABELS.filter(([bit]) => (alarm & bit) !== 0).map(([, label]) => label);
          if (limits.length) detail += `; ${limits.join(', ')}`;
        }
        out.push({ kind: 'technical', condition, priority: rules[0].priority, detail });
      }
    }

    const quality = qualityFrom(exc);
    const rejects: RejectedFrame[] = [];
    for (const p of parsed) {
      const problem = checkValue(p.code, p.value, p.unit);
      if (problem) {
        rejects.push(reject(`${p.key}=${p.raw}: ${problem}`));
        continue;
      }
      const obs: DeviceObservation = {
        kind: 'observation',
        code: p.code,
        value: p.value,
        unit: p.unit,
        deviceTime,
        quality: { ...quality },
        source: 'oximeter',
      };
      out.push(obs);
    }
    return out.concat(rejects);
  } catch (err) {
    if (err instanceof LineError) return [reject(err.message)];
    return [reject(`internal parser error: ${err instanceof Error ? err.message : String(err)}`)];
  }
}

function groupRules(rules: readonly BitRule[], bits: number): Map<TechnicalCondition, BitRule[]> {
  const byCondition = new Map<TechnicalCondition, BitRule[]>();
  for (const rule of rules) {
    if ((bits & rule.bit) === 0) continue;
    const list = byCondition.get(rule.condition) ?? [];
    list.push(rule);
    byCondition.set(rule.condition, list);
  }
  return byCondition;
}

function qualityFrom(exc: number | null): QualityFlags {
  const q: QualityFlags = {};
  if (exc === null) return q;
  if (exc & MASIMO_EXC.LOW_PERFUSION) q.lowPerfusion = true;
  if (exc & (MASIMO_EXC.INTERFERENCE | MASIMO_EXC.AMBIENT_LIGHT)) q.interference = true;
  if (exc & MASIMO_EXC.LOW_SIGNAL_IQ) q.lowSignalIq = true;
  if (exc & (MASIMO_EXC.PULSE_SEARCH | EXC_FAULT_MASK)) q.artifact = true;
  return q;
}

/**
 * The Masimo ASCII 1 parser: write bytes, read `DriverOutput` objects. Never throws or emits
 * 'error'; memory is bounded by MAX_LINE_BYTES.
 */
export function createMasimoParser(options: DriverOptions = {}): Transform {
  let pending: Buffer = Buffer.alloc(0);
  /** True while skipping the rest of an over-long line up to its newline. */
  let discarding = false;

  const safePush = (stream: Transform, items: DriverOutput[]): void => {
    for (const item of items) stream.push(item);
  };

  const overlong = (bytes: Buffer): RejectedFrame => ({
    kind: 'rejected',
    reason: `line longer than ${MAX_LINE_BYTES} bytes without a newline (dropped up to the next newline)`,
    raw: bytes.subarray(0, MAX_LINE_BYTES).toString('latin1'),
  });

  return new Transform({
    readableObjectMode: true,
    writableObjectMode: false,
    transform(this: Transform, chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'latin1');
        let start = 0;
        while (start <= data.length) {
          const nl = data.indexOf(NEWLINE, start);
          const end = nl === -1 ? data.length : nl;
          const piece = data.subarray(start, end);
          if (discarding) {
            if (nl !== -1) discarding = false;
          } else if (pending.length + piece.length > MAX_LINE_BYTES) {
            safePush(this, [overlong(Buffer.concat([pending, piece.subarray(0, MAX_LINE_BYTES)]))]);
            pending = Buffer.alloc(0);
            discarding = nl === -1;
          } else if (nl === -1) {
            pending = pending.length ? Buffer.concat([pending, piece]) : Buffer.from(piece);
          } else {
            const lineBytes = pending.length ? Buffer.concat([pending, piece]) : piece;
            pending = Buffer.alloc(0);
            let line = lineBytes.toString('latin1');
            if (line.endsWith('\r')) line = line.slice(0, -1);
            if (line.trim() !== '') safePush(this, parseMasimoLine(line, options));
          }
          if (nl === -1) break;
          start = nl + 1;
        }
      } catch (err) {
        pending = Buffer.alloc(0);
        this.push({ kind: 'rejected', reason: `internal parser error: ${err instanceof Error ? err.message : String(err)}`, raw: '' });
      }
      callback();
    },
    flush(this: Transform, callback: TransformCallback): void {
      try {
        if (!discarding && pending.length) {
          let line = pending.toString('latin1');
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line.trim() !== '') {
            this.push({ kind: 'rejected', reason: 'truncated: last line ended without a newline', raw: line });
          }
        }
      } catch {
        /* never throw from flush */
      }
      pending = Buffer.alloc(0);
      discarding = false;
      callback();
    },
  });
}
