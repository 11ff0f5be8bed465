/**
 * HL7 v2 ORU^R01 (IHE PCD-01) over MLLP: a pure Transform, bytes in, DriverOutput objects out
 * (DEVICES.md, "HL7 v2 ORU^R01 over MLLP"). No port, no clock other than the injectable one used
 * for the ACK's MSH-7 and control id.
 *
 * Framing: 0x0B message 0x1C 0x0D. Bytes outside a frame are skipped and counted as one
 * `rejected` per run. A frame is only accepted with its full 0x1C 0x0D trailer: a frame cut short
 * (a new 0x0B before its end, a 0x1C not followed by 0x0D, the end of the stream) is rejected,
 * never parsed, because a cut value ("37.5" -> "37") would still look plausible. Framing failures
 * are not acknowledged, so the sender resends.
 *
 * Each OBX yields exactly one output: an observation, an `ignored` item (unmapped code, invasive
 * arterial pressure, no value) or a `rejected` one (unit, not a number, implausible value).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { checkValue, VITAL_SIGNS } from '../../protocols/vital-signs';
import type { DeviceObservation, DriverOptions, DriverOutput } from '../types';
import { lookupMdcCode, lookupMdcUnit } from './mdc-codes';

export interface Hl7ParserOptions extends DriverOptions {
  /** Push an MLLP-framed HL7 ACK after each message. */
  ack?: boolean;
  /** Largest frame accepted, in bytes (default 1 MiB); a longer one is rejected and dropped. */
  maxFrameBytes?: number;
  /** Clock for the ACK's MSH-7 and control id (tests inject a fixed one). */
  now?: () => Date;
}

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;
const DEFAULT_MAX_FRAME = 1024 * 1024;
/** At most this many bytes of a run outside frames, or of an oversized frame, are kept as raw. */
const RAW_SAMPLE = 512;

/** Result statuses (HL7 table 0085) that carry no usable value. */
const NO_VALUE_STATUS: Readonly<Record<string, string>> = {
  X: 'result status X (results cannot be obtained)',
  N: 'result status N (not asked)',
  I: 'result status I (pending)',
  D: 'result status D (deleted)',
  W: 'result status W (posted as wrong)',
};

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

interface Encoding {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

type AckCode = 'AA' | 'AE' | 'AR';

interface ParsedMessage {
  outputs: DriverOutput[];
  /** Fields to build an ACK from, or null when the frame is not an HL7 message. */
  ack: { enc: Encoding; msh: string[]; code: AckCode; reason?: string } | null;
}

export function createHl7Parser(options: Hl7ParserOptions = {}): Transform {
  const maxFrame = options.maxFrameBytes && options.maxFrameBytes > 0 ? options.maxFrameBytes : DEFAULT_MAX_FRAME;
  const now = options.now ?? (() => new Date());
  let ackSeq = 0;

  type State = 'outside' | 'inside' | 'trailer' | 'discard' | 'discardTrailer';
  let state: State = 'outside';
  let frame: Buffer[] = [];
  let frameLen = 0;
  let outsideCount = 0;
  let outsideSample: Buffer[] = [];
  let outsideSampleLen = 0;

  const frameBytes = (): Buffer => Buffer.concat(frame, frameLen);
  const resetFrame = () => {
    frame = [];
    frameLen = 0;
  };

  const addOutside = (chunk: Buffer, from: number, to: number) => {
    if (to <= from) return;
    outsideCount += to - from;
    if (outsideSampleLen < RAW_SAMPLE) {
      const part = chunk.subarray(from, Math.min(to, from + RAW_SAMPLE - outsideSampleLen));
      outsideSample.push(Buffer.from(part));
      outsideSampleLen += part.length;
    }
  };

  const flushOutside = (push: (o: DriverOutput) => void) => {
    if (outsideCount === 0) return;
    const hex = Buffer.concat(outsideSample, outsideSampleLen).toString('hex');
    const raw = outsideCount > outsideSampleLen ? `${hex}… (${outsideCount} bytes)` : hex;
    push({ kind: 'rejected', reason: 'bytes outside an MLLP frame', raw });
    outsideCount = 0;
    outsideSample = [];
    outsideSampleLen = 0;
  };

  const rejectFrame = (push: (o: DriverOutput) => void, reason: string) => {
    push({ kind: 'rejected', reason, raw: frameBytes().toString('utf8') });
    resetFrame();
  };

  const appendFrame = (chunk: Buffer, from: number, to: number, push: (o: DriverOutput) => void): boolean => {
    if (to <= from) return true;
    if (frameLen + (to - from) > maxFrame) {
      const head = Buffer.concat([...frame, chunk.subarray(from, to)]).subarray(0, RAW_SAMPLE).toString('utf8');
      push({ kind: 'rejected', reason: `MLLP frame longer than ${maxFrame} bytes: dropped`, raw: `${head}…` });
      resetFrame();
      state = 'discard';
      return false;
    }
    frame.push(Buffer.from(chunk.subarray(from, to)));
    frameLen += to - from;
    return true;
  };

  const completeFrame = (push: (o: DriverOutput) => void) => {
    const text = frameBytes().toString('utf8');
    resetFrame();
    const parsed = parseMessage(text, options);
    for (const o of parsed.outputs) push(o);
    if (options.ack && parsed.ack) {
      push({ kind: 'ack', bytes: buildAck(parsed.ack.enc, parsed.ack.msh, parsed.ack.code, parsed.ack.reason, now(), ++ackSeq) });
    }
  };

  const consume = (chunk: Buffer, push: (o: DriverOutput) => void) => {
    let i = 0;
    while (i < chunk.length) {
      switch (state) {
        case 'outside': {
          const start = chunk.indexOf(VT, i);
          if (start < 0) {
            addOutside(chunk, i, chunk.length);
            i = chunk.length;
          } else {
            addOutside(chunk, i, start);
            flushOutside(push);
            state = 'inside';
            i = start + 1;
          }
          break;
        }
        case 'inside': {
          let j = i;
          while (j < chunk.length && chunk[j] !== FS && chunk[j] !== VT) j++;
          if (!appendFrame(chunk, i, j, push)) {
            i = j;
            break;
          }
          if (j >= chunk.length) {
            i = j;
          } else if (chunk[j] === FS) {
            state = 'trailer';
            i = j + 1;
          } else {
            // A new start block before the end of this frame: the frame was cut short.
            rejectFrame(push, 'truncated MLLP frame: a new frame started before its end (0x1C 0x0D)');
            i = j + 1;
          }
          break;
        }
        case 'trailer': {
          if (chunk[i] === CR) {
            completeFrame(push);
            state = 'outside';
            i += 1;
          } else {
            rejectFrame(push, 'malformed MLLP frame: 0x1C not followed by 0x0D');
            state = 'outside';
            // Do not consume: the byte may start a new frame or be outside noise.
          }
          break;
        }
        case 'discard': {
          let j = i;
          while (j < chunk.length && chunk[j] !== FS && chunk[j] !== VT) j++;
          if (j >= chunk.length) {
            i = j;
          } else if (chunk[j] === VT) {
            state = 'inside';
            i = j + 1;
          } else {
            // End block of the oversized frame: its 0x0D belongs to the frame, not to the noise.
            state = 'discardTrailer';
            i = j + 1;
          }
          break;
        }
        case 'discardTrailer': {
          if (chunk[i] === CR) i += 1;
          state = 'outside';
          break;
        }
      }
    }
  };

  return new Transform({
    readableObjectMode: true,
    writableObjectMode: false,
    transform(this: Transform, chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      const push = (o: DriverOutput) => {
        this.push(o);
      };
      try {
        const buf = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
        consume(buf, push);
      } catch (err) {
        push({ kind: 'rejected', reason: `internal HL7 parser error: ${String((err as Error)?.message ?? err)}`, raw: '' });
        state = 'outside';
        resetFrame();
      }
      callback();
    },
    flush(this: Transform, callback: TransformCallback) {
      const push = (o: DriverOutput) => {
        this.push(o);
      };
      try {
        if (state === 'inside' || state === 'trailer') rejectFrame(push, 'truncated MLLP frame at end of stream');
        resetFrame();
        state = 'outside';
        flushOutside(push);
      } catch (err) {
        push({ kind: 'rejected', reason: `internal HL7 parser error: ${String((err as Error)?.message ?? err)}`, raw: '' });
      }
      callback();
    },
  });
}

/** Parse one de-framed HL7 message (exported for tests and for a TCP listener that frames itself). */
export function parseMessage(text: string, options: DriverOptions = {}): ParsedMessage {
  const segments = text.split(/\r\n|\r|\n/).filter((s) => s.length > 0);
  const first = segments[0] ?? '';
  if (!first.startsWith('MSH') || first.length < 8) {
    return { outputs: [{ kind: 'rejected', reason: 'not an HL7 message: no MSH segment', raw: text }], ack: null };
  }
  const fieldSep = first[3];
  const encChars = first.slice(4).split(fieldSep)[0] ?? '';
  const enc: Encoding = {
    field: fieldSep,
    component: encChars[0] ?? '^',
    repetition: encChars[1] ?? '~',
    escape: encChars[2] ?? '\\',
    subcomponent: encChars[3] ?? '&',
  };
  if (/[A-Za-z0-9\s]/.test(fieldSep) || /[A-Za-z0-9\s]/.test(enc.component) || enc.component === fieldSep) {
    return { outputs: [{ kind: 'rejected', reason: 'not an HL7 message: invalid MSH encoding characters', raw: text }], ack: null };
  }
  // msh[n] is MSH-n (MSH-1 is the field separator itself).
  const mshFields = first.split(fieldSep);
  const msh = [fieldSep, fieldSep, ...mshFields.slice(1)];
  const comp = (field: string | undefined) => (field ?? '').split(enc.component).map((c) => c.trim());

  const type = comp(msh[9]);
  if (type[0] !== 'ORU' || type[1] !== 'R01') {
    const shown = (msh[9] ?? '').trim() || '(empty)';
    return {
      outputs: [{ kind: 'ignored', reason: `message type ${shown} is not ORU^R01`, raw: text }],
      ack: { enc, msh, code: 'AR', reason: `unsupported message type ${shown}` },
    };
  }

  const obx = segments.filter((s) => s.startsWith(`OBX${fieldSep}`) || s === 'OBX').map((s) => ({ seg: s, f: s.split(fieldSep) }));

  // Serial check: every OBX-18 present must name the registered device; a message from which
  // no device id can be read cannot be attributed to it either.
  const expected = options.expectedSerial?.trim();
  if (expected) {
    const ids = obx.map((o) => comp(o.f[18])[0]).filter((id) => id.length > 0);
    const wrong = ids.find((id) => id.toUpperCase() !== expected.toUpperCase());
    if (wrong !== undefined || (obx.length > 0 && ids.length === 0)) {
      const why =
        wrong !== undefined
          ? `device id ${wrong} (OBX-18) is not the registered device ${expected}`
          : `no device id (OBX-18) in the message to check against the registered device ${expected}`;
      return {
        outputs: [
          { kind: 'rejected', reason: `wrong serial: ${why}`, raw: text },
          { kind: 'technical', condition: 'wrong-serial', priority: 'medium', detail: why },
        ],
        ack: { enc, msh, code: 'AE', reason: why },
      };
    }
  }

  const outputs = obx.map((o) => parseObx(o.seg, o.f, comp));
  return { outputs, ack: { enc, msh, code: 'AA' } };
}

function parseObx(seg: string, f: string[], comp: (field: string | undefined) => string[]): DriverOutput {
  const [code = '', name = '', system = ''] = comp(f[3]);
  const label = name ? `${code} (${name})` : code || '(empty)';
  if (system && system.toUpperCase() !== 'MDC') {
    return { kind: 'ignored', reason: `OBX-3 ${label} is coded in ${system}, not MDC`, raw: seg };
  }
  const mapping = lookupMdcCode(code);
  if (!mapping) return { kind: 'ignored', reason: `MDC code ${label} is not mapped`, raw: seg };
  if (mapping.neverCuffBp || mapping.vitalCode === null) {
    return { kind: 'ignored', reason: 'invasive arterial pressure is not stored as cuff BP', raw: seg };
  }
  const vital = mapping.vitalCode;

  const status = (f[11] ?? '').trim().toUpperCase();
  if (NO_VALUE_STATUS[status]) return { kind: 'ignored', reason: `${label}: no value, ${NO_VALUE_STATUS[status]}`, raw: seg };
  const rawValue = (f[5] ?? '').trim();
  if (rawValue === '' || rawValue === '""') return { kind: 'ignored', reason: `${label}: no value (empty OBX-5)`, raw: seg };

  const unitCode = comp(f[6])[0] ?? '';
  const unit = lookupMdcUnit(unitCode);
  const expectedUcum = VITAL_SIGNS[vital].ucum;
  if (!unit || unit.ucum !== expectedUcum) {
    const shown = (f[6] ?? '').trim() || '(empty)';
    return { kind: 'rejected', reason: `${label}: unit ${shown} is not the unit of ${vital} (${expectedUcum})`, raw: seg };
  }

  if (!NUMBER.test(rawValue)) return { kind: 'rejected', reason: `${label}: value ${rawValue} is not a number`, raw: seg };
  const value = Number(rawValue);
  const problem = checkValue(vital, value, unit.ucum);
  if (problem) return { kind: 'rejected', reason: `${label}: ${problem}`, raw: seg };

  const time = (f[14] ?? '').trim();
  const observation: DeviceObservation = {
    kind: 'observation',
    code: vital,
    value,
    unit: unit.ucum,
    deviceTime: time || null,
    quality: {},
  };
  if (mapping.source) observation.source = mapping.source;
  if (mapping.bodySite) observation.bodySite = mapping.bodySite;
  return observation;
}

function escapeHl7(text: string, enc: Encoding): string {
  let out = '';
  for (const ch of text) {
    if (ch === enc.escape) out += `${enc.escape}E${enc.escape}`;
    else if (ch === enc.field) out += `${enc.escape}F${enc.escape}`;
    else if (ch === enc.component) out += `${enc.escape}S${enc.escape}`;
    else if (ch === enc.repetition) out += `${enc.escape}R${enc.escape}`;
    else if (ch === enc.subcomponent) out += `${enc.escape}T${enc.escape}`;
    else if (ch === '\r' || ch === '\n' || ch === '\x0b' || ch === '\x1c') out += ' ';
    else out += ch;
  }
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const hl7Time = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`;

/** An MLLP-framed ACK: sending and receiving application and facility swapped, MSA with the original MSH-10. */
export function buildAck(enc: Encoding, msh: string[], code: AckCode, reason: string | undefined, at: Date, seq: number): Buffer {
  const fsep = enc.field;
  const encChars = `${enc.component}${enc.repetition}${enc.escape}${enc.subcomponent}`;
  const valid = !Number.isNaN(at.getTime());
  const time = valid ? hl7Time(at) : '';
  const controlId = `VGL${valid ? at.getTime().toString(36).toUpperCase() : '0'}${seq}`.slice(0, 20);
  const trigger = (msh[9] ?? '').split(enc.component)[1]?.trim() ?? '';
  const type = [`ACK`, trigger, 'ACK'].join(enc.component);
  const mshAck = ['MSH', encChars, msh[5] ?? '', msh[6] ?? '', msh[3] ?? '', msh[4] ?? '', time, '', type, controlId, (msh[11] ?? '').trim() || 'P', (msh[12] ?? '').trim() || '2.6'].join(fsep);
  const msa = ['MSA', code, msh[10] ?? ''];
  if (code !== 'AA' && reason) msa.push(escapeHl7(reason, enc));
  const body = `${mshAck}\r${msa.join(fsep)}\r`;
  return Buffer.concat([Buffer.from([VT]), Buffer.from(body, 'utf8'), Buffer.from([FS, CR])]);
}
