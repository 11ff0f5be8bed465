import { Transform, type TransformCallback } from 'node:stream';
import { checkValue } from '../../protocols/vital-signs';
import type { DriverOptions, DriverOutput, QualityFlags, TechnicalEvent } from '../types';

/**
 * Nonin Data Format #2 (../shared/DEVICES.md): a pure Transform, bytes in, `DriverOutput` objects
 * out. No port, no clock: receive time is added by the port handling around it, and Nonin sends
 * no time of its own, so `deviceTime` is always null. `options.expectedSerial` is not used: the
 * format carries no serial number.
 *
 * Wire format: frames of 5 bytes `[0x01][STATUS][PLETH][DATA][CHK]`, `CHK = (b0+b1+b2+b3) & 0xFF`,
 * STATUS bit 7 always set, STATUS bit 0 (SYNC) marks frame 1 of a 25-frame packet.
 *
 * Framing is checked frame by frame rather than by a fixed 5-byte splitter: while in step the
 * next 5 bytes must be a valid frame; when they are not, the packet in progress is dropped and the
 * reader slides one byte at a time until it finds `0x01`, a status with bit 7 set and a holding
 * checksum. The whole run of skipped bytes becomes ONE rejected item (reason = the first failure,
 * raw = the skipped bytes in hex, the broken frame first). Valid frames that belong to no packet
 * (the stream was joined mid-packet, or the rest of a packet whose SYNC frame was lost) are
 * discarded and counted in `stats.orphanFrames`; the loss itself was already counted by the
 * framing error that caused it. So one lost or corrupted byte loses at most the packet it was in.
 *
 * Per complete packet, in this order:
 * - technical events: STATUS 0x40 on any frame -> 'sensor-off' (medium); 0x08 -> 'sensor-alarm'
 *   (medium); frame 8 DATA bit 0 -> 'low-battery' (low). Emitted for every packet in which the
 *   condition holds (3 a second): the contract has no "cleared" event, so the consumer learns that a
 *   condition ended from its absence.
 * - values: PULSE (/min, source 'oximeter') = ((frame 1 DATA & 0x03) << 7) | (frame 2 DATA & 0x7F);
 *   OXYSAT (%) = frame 3 DATA & 0x7F. HR 511 / SpO2 127 are "no reading": nothing is emitted.
 *   A value of a packet flagged sensor alarm (0x08, unusable data) or sensor disconnected (0x40)
 *   is rejected with that reason; a value outside the plausibility limits of `checkValue` is
 *   rejected with its reason. The raw of a rejected value is the packet in hex.
 * - quality of the packet's observations: 0x20 on any frame -> artifact, 0x10 -> outOfTrack,
 *   perfusion = the worst colour any frame shows (red 0x04 < yellow 0x06 < green 0x02).
 * - frame 4 DATA is the firmware revision: kept on `parser.firmwareRevision`.
 *
 * Never throws; buffering is bounded (at most 4 unparsed bytes, 24 frames of a packet, and
 * `MAX_RAW_BYTES` of skipped bytes kept for the raw text; a run of garbage is reported at least
 * every `MAX_SKIP_RUN` bytes even when no resynchronisation follows).
 */

export const NONIN_FRAME_LENGTH = 5;
export const NONIN_FRAMES_PER_PACKET = 25;
/** HR value meaning "no reading". */
export const NONIN_NO_HR = 511;
/** SpO2 value meaning "no reading". */
export const NONIN_NO_SPO2 = 127;

export const NONIN_STATUS = {
  ALWAYS: 0x80,
  SENSOR_DISCONNECTED: 0x40,
  ARTIFACT: 0x20,
  OUT_OF_TRACK: 0x10,
  SENSOR_ALARM: 0x08,
  RED_PERFUSION: 0x04,
  GREEN_PERFUSION: 0x02,
  SYNC: 0x01,
} as const;

/** STAT2 (frame 8 DATA) bit: low battery. */
export const NONIN_STAT2_LOW_BATTERY = 0x01;

/** Skipped bytes kept (in hex) in the raw of one framing rejection. */
const MAX_RAW_BYTES = 64;
/** A run of skipped bytes is reported at the latest after this many bytes. */
const MAX_SKIP_RUN = 1024;

export const REASON_PACKET_CUT_SHORT = 'packet cut short';

interface Frame {
  status: number;
  pleth: number;
  data: number;
  bytes: Buffer;
}

export interface NoninStats {
  /** Valid frames read. */
  frames: number;
  /** Complete packets decoded. */
  packets: number;
  /** Valid frames discarded because they belonged to no packet (no SYNC seen before them). */
  orphanFrames: number;
  /** Bytes skipped while resynchronising. */
  skippedBytes: number;
}

export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

const frameChecksum = (b: Buffer, i: number): number => (b[i] + b[i + 1] + b[i + 2] + b[i + 3]) & 0xff;

/** Why the 5 bytes at `i` are not a frame, or undefined when they are. */
function frameError(b: Buffer, i: number): string | undefined {
  if (b[i] !== 0x01) return `no frame start (0x${toHex(b.subarray(i, i + 1))} instead of 0x01)`;
  if ((b[i + 1] & NONIN_STATUS.ALWAYS) === 0) return `status bit 7 clear (status 0x${toHex(b.subarray(i + 1, i + 2))})`;
  const expected = frameChecksum(b, i);
  if (b[i + 4] !== expected) {
    return `bad checksum (0x${toHex(b.subarray(i + 4, i + 5))}, expected 0x${expected.toString(16).toUpperCase().padStart(2, '0')})`;
  }
  return undefined;
}

export class NoninParser extends Transform {
  /** Firmware revision from frame 4 of the last complete packet, null before the first one. */
  firmwareRevision: number | null = null;
  readonly stats: NoninStats = { frames: 0, packets: 0, orphanFrames: 0, skippedBytes: 0 };

  /** Unparsed bytes (fewer than a frame once a chunk has been processed). */
  private pending: Buffer = Buffer.alloc(0);
  /** Frames of the packet in progress; null while waiting for a SYNC frame. */
  private packet: Frame[] | null = null;
  /** The current run of skipped bytes, reported as one rejected item. */
  private skip: { count: number; raw: number[]; reason: string; droppedFrames: number } | null = null;

  constructor(readonly options: DriverOptions = {}) {
    super({ readableObjectMode: true, writableObjectMode: false });
  }

  /** Forget partial frames and packets (for a reconnect); reports what was dropped. */
  reset(): void {
    this.finish('port reset');
  }

  override _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk)
          : Buffer.from(String(chunk), encoding && Buffer.isEncoding(encoding) ? encoding : 'latin1');
      this.consume(bytes);
    } catch (err) {
      this.out({ kind: 'rejected', reason: `driver error: ${(err as Error)?.message ?? String(err)}`, raw: '' });
      this.pending = Buffer.alloc(0);
      this.packet = null;
      this.skip = null;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish('stream ended');
    } catch {
      // never throw
    }
    callback();
  }

  private out(item: DriverOutput): void {
    this.push(item);
  }

  private finish(why: string): void {
    if (this.pending.length > 0) {
      for (const b of this.pending) this.skipByte(b, `incomplete frame (${why})`);
      this.pending = Buffer.alloc(0);
    }
    this.reportSkip();
    if (this.packet && this.packet.length > 0) {
      this.out({ kind: 'rejected', reason: REASON_PACKET_CUT_SHORT, raw: toHex(Buffer.concat(this.packet.map((f) => f.bytes))) });
    }
    this.packet = null;
  }

  private consume(chunk: Buffer): void {
    const b = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let i = 0;
    while (b.length - i >= NONIN_FRAME_LENGTH) {
      const error = frameError(b, i);
      if (error !== undefined) {
        this.skipByte(b[i], error);
        i += 1;
        continue;
      }
      this.reportSkip();
      const bytes = Buffer.from(b.subarray(i, i + NONIN_FRAME_LENGTH));
      this.frame({ status: bytes[1], pleth: bytes[2], data: bytes[3], bytes });
      i += NONIN_FRAME_LENGTH;
    }
    this.pending = Buffer.from(b.subarray(i));
  }

  private skipByte(byte: number, reason: string): void {
    if (!this.skip) {
      // The packet in progress cannot be completed: drop it with this framing error.
      const droppedFrames = this.packet?.length ?? 0;
      this.packet = null;
      this.skip = { count: 0, raw: [], reason, droppedFrames };
    }
    this.skip.count += 1;
    this.stats.skippedBytes += 1;
    if (this.skip.raw.length < MAX_RAW_BYTES) this.skip.raw.push(byte);
    if (this.skip.count >= MAX_SKIP_RUN) this.reportSkip();
  }

  private reportSkip(): void {
    const s = this.skip;
    if (!s) return;
    this.skip = null;
    let reason = `framing error: ${s.reason}; ${s.count} byte${s.count === 1 ? '' : 's'} skipped`;
    if (s.droppedFrames > 0) reason += `; packet in progress dropped after ${s.droppedFrames} of ${NONIN_FRAMES_PER_PACKET} frames`;
    let raw = toHex(Uint8Array.from(s.raw));
    if (s.count > s.raw.length) raw += ` …(+${s.count - s.raw.length} bytes)`;
    this.out({ kind: 'rejected', reason, raw });
  }

  private frame(f: Frame): void {
    this.stats.frames += 1;
    if (f.status & NONIN_STATUS.SYNC) {
      if (this.packet && this.packet.length > 0) {
        this.out({ kind: 'rejected', reason: REASON_PACKET_CUT_SHORT, raw: toHex(Buffer.concat(this.packet.map((p) => p.bytes))) });
      }
      this.packet = [f];
    } else if (this.packet) {
      this.packet.push(f);
    } else {
      this.stats.orphanFrames += 1;
      return;
    }
    if (this.packet.length === NONIN_FRAMES_PER_PACKET) {
      const packet = this.packet;
      this.packet = null;
      this.decode(packet);
    }
  }

  private decode(frames: Frame[]): void {
    this.stats.packets += 1;
    let any = 0;
    let red = false;
    let yellow = false;
    let green = false;
    for (const f of frames) {
      any |= f.status;
      const perfusion = f.status & (NONIN_STATUS.RED_PERFUSION | NONIN_STATUS.GREEN_PERFUSION);
      if (perfusion === NONIN_STATUS.RED_PERFUSION) red = true;
      else if (perfusion === NONIN_STATUS.GREEN_PERFUSION) green = true;
      else if (perfusion !== 0) yellow = true;
    }
    this.firmwareRevision = frames[3].data;
    const raw = () => toHex(Buffer.concat(frames.map((f) => f.bytes)));

    const technical: TechnicalEvent[] = [];
    if (any & NONIN_STATUS.SENSOR_DISCONNECTED) {
      technical.push({ kind: 'technical', condition: 'sensor-off', priority: 'medium', detail: 'Nonin: sensor disconnected (status 0x40)' });
    }
    if (any & NONIN_STATUS.SENSOR_ALARM) {
      technical.push({ kind: 'technical', condition: 'sensor-alarm', priority: 'medium', detail: 'Nonin: sensor alarm, data unusable (status 0x08)' });
    }
    if (frames[7].data & NONIN_STAT2_LOW_BATTERY) {
      technical.push({ kind: 'technical', condition: 'low-battery', priority: 'low', detail: 'Nonin: low battery (STAT2 0x01)' });
    }
    for (const t of technical) this.out(t);

    const quality: QualityFlags = {};
    if (any & NONIN_STATUS.ARTIFACT) quality.artifact = true;
    if (any & NONIN_STATUS.OUT_OF_TRACK) quality.outOfTrack = true;
    if (red) quality.perfusion = 'red';
    else if (yellow) quality.perfusion = 'yellow';
    else if (green) quality.perfusion = 'green';

    const unusable =
      any & NONIN_STATUS.SENSOR_ALARM
        ? 'sensor alarm (status 0x08): data unusable'
        : any & NONIN_STATUS.SENSOR_DISCONNECTED
          ? 'sensor disconnected (status 0x40)'
          : undefined;

    const hr = ((frames[0].data & 0x03) << 7) | (frames[1].data & 0x7f);
    const spo2 = frames[2].data & 0x7f;
    const values: Array<{ code: 'PULSE' | 'OXYSAT'; value: number; unit: string; source?: string }> = [];
    if (hr !== NONIN_NO_HR) values.push({ code: 'PULSE', value: hr, unit: '/min', source: 'oximeter' });
    if (spo2 !== NONIN_NO_SPO2) values.push({ code: 'OXYSAT', value: spo2, unit: '%' });

    for (const v of values) {
      const why = unusable ? `${v.code} ${v.value} ${v.unit}: ${unusable}` : checkValue(v.code, v.value, v.unit);
      if (why !== undefined) {
        this.out({ kind: 'rejected', reason: why, raw: raw() });
        continue;
      }
      this.out({
        kind: 'observation',
        code: v.code,
        value: v.value,
        unit: v.unit,
        deviceTime: null,
        quality: { ...quality },
        ...(v.source ? { source: v.source } : {}),
      });
    }
  }
}

/** A Nonin Data Format #2 parser: bytes in, `DriverOutput` objects out (see `NoninParser`). */
export function createNoninParser(options: DriverOptions = {}): NoninParser {
  return new NoninParser(options);
}
