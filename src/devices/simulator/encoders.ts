/**
 * Pure encoders: one second of simulated vitals -> the bytes a real device puts on the wire
 * (../shared/DEVICES.md). No I/O, no clock: the device time is passed in.
 *
 * Noise (Vitals.noise, the 'noisy' scenario): a deterministic plan derived from the noise seed puts
 * garbage bytes BEFORE the second's valid data and, for some seconds, corrupts one frame, so that
 * a driver must resynchronise. The garbage never contains the byte that starts a frame of that
 * format (Masimo: newline, Nonin: 0x01, HL7: 0x0B and 0x1C), so a driver can always find the next valid
 * frame; a corrupted frame is always detectably broken (Masimo: a control byte in the line; Nonin: a
 * wrong checksum; HL7: a frame cut short without its 0x1C 0x0D trailer), never a plausible wrong value.
 */
import type { DriverName } from '../types';
import { hash01, type Vitals } from './scenarios';

export const DEFAULT_SERIAL: Readonly<Record<DriverName, string>> = {
  'masimo-ascii': '0000056661',
  'nonin-2': '',
  'hl7-mllp': 'VIGILSIM0001',
};

export interface EncodeOptions {
  /** Device clock for this second (Masimo line time, HL7 MSH-7 / OBX-14). Formatted in UTC. */
  time?: Date;
  /** Masimo SN / HL7 OBX-18 device id. */
  serial?: string;
  /** HL7 MSH-10 message control id (default derived from the time). */
  controlId?: string;
  /** Nonin firmware revision sent in frame 4 (default 48). */
  firmware?: number;
}

// ---------------------------------------------------------------------------------------------
// Noise plan
// ---------------------------------------------------------------------------------------------

export interface NoisePlan {
  /** Garbage bytes put before the second's valid data (never empty when noise is set). */
  garbageLength: number;
  /** Whether one frame of this second is corrupted. */
  corrupt: boolean;
  /** Where (fraction 0..1) the corruption lands. */
  where: number;
  /** Deterministic byte source for the garbage. */
  byte: (i: number) => number;
}

/** The noise of one second, or null when there is none. Exported so tests can count the rejects. */
export function noisePlan(noise: number | undefined): NoisePlan | null {
  if (!noise) return null;
  const r = (ch: number) => hash01(noise, 0, ch);
  return {
    garbageLength: 3 + Math.floor(r(1) * 18),
    corrupt: r(2) < 0.3,
    where: r(3),
    byte: (i) => Math.floor(hash01(noise, i + 1, 99) * 256),
  };
}

function garbage(plan: NoisePlan, forbidden: readonly number[], first?: number): Buffer {
  const out = Buffer.alloc(plan.garbageLength);
  for (let i = 0; i < out.length; i++) {
    let b = plan.byte(i);
    if (forbidden.includes(b)) b ^= 0x80;
    out[i] = b;
  }
  if (first !== undefined) out[0] = first;
  return out;
}

const pad = (n: number, w = 2) => String(Math.trunc(n)).padStart(w, '0');

// ---------------------------------------------------------------------------------------------
// Masimo ASCII 1
// ---------------------------------------------------------------------------------------------

/** Masimo `MM/dd/yy HH:mm:ss` (two-digit year, no zone), from the UTC fields of `time`. */
export function masimoTime(time: Date): string {
  return `${pad(time.getUTCMonth() + 1)}/${pad(time.getUTCDate())}/${pad(time.getUTCFullYear() % 100)} ${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())}`;
}

/** Perfusion index shown with the line: a plausible, deterministic function of the pulse. */
const perfusionIndex = (pulse: number) => 2 + (pulse % 37) / 10;

/** One Masimo ASCII 1 line (CR LF terminated) for this second. */
export function encodeMasimoLine(v: Vitals, options: EncodeOptions = {}): string {
  const time = options.time ?? new Date(0);
  const serial = (options.serial ?? DEFAULT_SERIAL['masimo-ascii']).padStart(10, '0');
  const off = v.sensorOff === true || v.spo2 === null || v.pulse === null;
  let alarm = 0;
  if (!off) {
    if (v.spo2! < 90) alarm |= 0x02 | 0x10;
    if (v.pulse! > 120) alarm |= 0x04 | 0x10;
    if (v.pulse! < 50) alarm |= 0x08 | 0x10;
  }
  const exc = v.sensorOff ? 0x000020 : 0x000800;
  const spo2 = off ? '---%' : `${pad(v.spo2!, 3)}%`;
  const bpm = off ? '---' : pad(v.pulse!, 3);
  const pi = off ? '--.--%' : `${perfusionIndex(v.pulse!).toFixed(2).padStart(5, '0')}%`;
  const fields = [
    `SN=${serial}`,
    `SPO2=${spo2}`,
    `BPM=${bpm}`,
    `PI=${pi}`,
    'SPCO=--.-%',
    'SPMET=--.-%',
    'DESAT=--',
    'PIDELTA=+--',
    `ALARM=${alarm.toString(16).toUpperCase().padStart(4, '0')}`,
    `EXC=${exc.toString(16).toUpperCase().padStart(6, '0')}`,
  ];
  return `${masimoTime(time)} ${fields.join(' ')}\r\n`;
}

/** The Masimo bytes of one second: the line, preceded by a garbage line and/or corrupted when noisy. */
export function encodeMasimo(v: Vitals, options: EncodeOptions = {}): Buffer {
  const line = Buffer.from(encodeMasimoLine(v, options), 'latin1');
  const plan = noisePlan(v.noise);
  if (!plan) return line;
  // A garbage "line" of its own (0xFF first: never printable text), then the valid line.
  const junk = Buffer.concat([garbage(plan, [0x0a], 0xff), Buffer.from('\r\n', 'latin1')]);
  if (plan.corrupt) {
    // A control byte in the line (not CR/LF): the driver rejects the whole line.
    const at = Math.floor(plan.where * (line.length - 2));
    line[at] = 0x07;
  }
  return Buffer.concat([junk, line]);
}

// ---------------------------------------------------------------------------------------------
// Nonin Data Format #2
// ---------------------------------------------------------------------------------------------

export const NONIN_PACKETS_PER_SECOND = 3;
const FRAMES = 25;

function noninFrame(status: number, pleth: number, data: number): Buffer {
  const b = Buffer.from([0x01, status & 0xff, pleth & 0xff, data & 0xff, 0]);
  b[4] = (b[0] + b[1] + b[2] + b[3]) & 0xff;
  return b;
}

/** One 25-frame packet. `packetIndex` (0-based within the second) only shapes the pleth wave. */
export function encodeNoninPacket(v: Vitals, packetIndex = 0, options: EncodeOptions = {}): Buffer {
  const off = v.sensorOff === true || v.spo2 === null || v.pulse === null;
  const hr = off ? 511 : Math.max(0, Math.min(510, Math.round(v.pulse!)));
  const spo2 = off ? 127 : Math.max(0, Math.min(100, Math.round(v.spo2!)));
  const firmware = options.firmware ?? 48;
  // Sensor disconnected: 0x40 and no perfusion; otherwise green perfusion.
  const baseStatus = 0x80 | (off ? 0x40 : 0x02);
  const timer = Math.floor(((options.time?.getTime() ?? 0) / 1000) % 16384);
  const frames: Buffer[] = [];
  for (let n = 1; n <= FRAMES; n++) {
    let data = 0;
    switch (n) {
      case 1: // HR MSB
      case 14: // E-HR MSB
      case 20: // HR-D MSB
      case 22: // E-HR-D MSB
        data = (hr >> 7) & 0x03;
        break;
      case 2: // HR LSB
      case 15:
      case 21:
      case 23:
        data = hr & 0x7f;
        break;
      case 3: // SpO2
      case 9: // SpO2-D
      case 10: // SpO2 fast
      case 11: // SpO2 beat-to-beat
      case 16: // E-SpO2
      case 17: // E-SpO2-D
        data = spo2 & 0x7f;
        break;
      case 4:
        data = firmware & 0xff;
        break;
      case 6:
        data = (timer >> 7) & 0x7f;
        break;
      case 7:
        data = timer & 0x7f;
        break;
      default:
        data = 0; // 5 reserved, 8 STAT2 (no low battery), 12-13, 18-19, 24-25
    }
    // A plethysmogram: one smooth beat-like wave (flat when the sensor is off).
    const phase = ((packetIndex * FRAMES + n) / (75 * 60)) * (off ? 0 : hr) * 2 * Math.PI;
    const pleth = off ? 0 : Math.round(128 + 100 * Math.sin(phase));
    frames.push(noninFrame(baseStatus | (n === 1 ? 0x01 : 0), pleth, data));
  }
  return Buffer.concat(frames);
}

/**
 * The 3 packets (75 frames) of one second, as the 3 writes the device makes. With noise, garbage
 * (never 0x01) goes before the first packet and a corrupted frame has a wrong checksum.
 */
export function encodeNoninPackets(v: Vitals, options: EncodeOptions = {}): Buffer[] {
  const packets = Array.from({ length: NONIN_PACKETS_PER_SECOND }, (_, i) => encodeNoninPacket(v, i, options));
  const plan = noisePlan(v.noise);
  if (!plan) return packets;
  if (plan.corrupt) {
    const frameIndex = Math.min(NONIN_PACKETS_PER_SECOND * FRAMES - 1, Math.floor(plan.where * NONIN_PACKETS_PER_SECOND * FRAMES));
    const p = Math.floor(frameIndex / FRAMES);
    const f = frameIndex % FRAMES;
    packets[p][f * 5 + 4] = (packets[p][f * 5 + 4] + 1) & 0xff;
  }
  packets[0] = Buffer.concat([garbage(plan, [0x01]), packets[0]]);
  return packets;
}

export function encodeNonin(v: Vitals, options: EncodeOptions = {}): Buffer {
  return Buffer.concat(encodeNoninPackets(v, options));
}

// ---------------------------------------------------------------------------------------------
// HL7 v2 ORU^R01 over MLLP (IHE PCD-01)
// ---------------------------------------------------------------------------------------------

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

export const hl7Time = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`;

interface ObxSpec {
  code: string;
  name: string;
  sub: string;
  value: number | null;
  unit: string;
  digits?: number;
}

/** The HL7 ORU^R01 message text (segments separated by CR), without MLLP framing. */
export function encodeHl7Message(v: Vitals, options: EncodeOptions = {}): string {
  const time = options.time ?? new Date(0);
  const ts = hl7Time(time);
  const serial = options.serial ?? DEFAULT_SERIAL['hl7-mllp'];
  const controlId = options.controlId ?? `SIM${Math.floor(time.getTime() / 1000)}`;
  const equipment = `${serial}^VIGIL_SIM`;
  const segments: string[] = [
    `MSH|^~\\&|VIGIL_SIM|VIGIL|VIGIL|VIGIL|${ts}||ORU^R01^ORU_R01|${controlId}|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
    'PID|||SIM0001^^^VIGIL^PI||Simulated^Participant',
    `OBR|1|${controlId}^VIGIL_SIM||182777000^monitoring of patient^SNOMED-CT|||${ts}`,
  ];
  const mean = v.sys !== undefined && v.dia !== undefined ? Math.round(v.dia + (v.sys - v.dia) / 3) : undefined;
  const obx: ObxSpec[] = [
    { code: '150456', name: 'MDC_PULS_OXIM_SAT_O2', sub: '1.1.1.1', value: v.spo2, unit: '262688^MDC_DIM_PERCENT^MDC' },
    { code: '149530', name: 'MDC_PULS_OXIM_PULS_RATE', sub: '1.1.1.2', value: v.pulse, unit: '264864^MDC_DIM_BEAT_PER_MIN^MDC' },
  ];
  if (v.resp !== undefined) obx.push({ code: '151562', name: 'MDC_RESP_RATE', sub: '1.2.1.1', value: v.resp, unit: '264928^MDC_DIM_RESP_PER_MIN^MDC' });
  if (v.sys !== undefined) obx.push({ code: '150021', name: 'MDC_PRESS_BLD_NONINV_SYS', sub: '1.3.1.1', value: v.sys, unit: '266016^MDC_DIM_MMHG^MDC' });
  if (v.dia !== undefined) obx.push({ code: '150022', name: 'MDC_PRESS_BLD_NONINV_DIA', sub: '1.3.1.2', value: v.dia, unit: '266016^MDC_DIM_MMHG^MDC' });
  if (mean !== undefined) obx.push({ code: '150023', name: 'MDC_PRESS_BLD_NONINV_MEAN', sub: '1.3.1.3', value: mean, unit: '266016^MDC_DIM_MMHG^MDC' });
  if (v.temp !== undefined) obx.push({ code: '150368', name: 'MDC_TEMP_CORE', sub: '1.4.1.1', value: v.temp, unit: '268192^MDC_DIM_DEGC^MDC', digits: 1 });
  obx.forEach((o, i) => {
    // Sensor off / no reading: result status X and an empty value.
    const absent = o.value === null || (v.sensorOff === true && (o.code === '150456' || o.code === '149530'));
    const value = absent ? '' : o.digits ? o.value!.toFixed(o.digits) : String(Math.round(o.value!));
    const f = ['OBX', String(i + 1), 'NM', `${o.code}^${o.name}^MDC`, o.sub, value, o.unit, '', '', '', '', absent ? 'X' : 'R', '', '', ts, '', '', '', equipment];
    segments.push(f.join('|'));
  });
  return `${segments.join('\r')}\r`;
}

/** One MLLP frame (0x0B message 0x1C 0x0D); with noise, garbage before it (never 0x0B) or a frame cut short. */
export function encodeHl7(v: Vitals, options: EncodeOptions = {}): Buffer {
  const body = Buffer.from(encodeHl7Message(v, options), 'utf8');
  const plan = noisePlan(v.noise);
  if (!plan) return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
  // Never 0x0B (a frame start) nor 0x1C (a frame end: after a frame cut short, the garbage is read
  // as the rest of that frame, and an end block there could complete it with a cut value).
  const junk = garbage(plan, [VT, FS]);
  if (plan.corrupt) {
    // Cut short: no trailer, the driver rejects it when the next frame (or the end) comes.
    const cut = 8 + Math.floor(plan.where * (body.length - 16));
    return Buffer.concat([junk, Buffer.from([VT]), body.subarray(0, cut)]);
  }
  return Buffer.concat([junk, Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}

/** The bytes of one second for `driver` (HL7: one message; the simulator decides how often). */
export function encodeSecond(driver: DriverName, v: Vitals, options: EncodeOptions = {}): Buffer {
  switch (driver) {
    case 'masimo-ascii':
      return encodeMasimo(v, options);
    case 'nonin-2':
      return encodeNonin(v, options);
    case 'hl7-mllp':
      return encodeHl7(v, options);
  }
}
