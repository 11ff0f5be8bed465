import * as fc from 'fast-check';
import { checkValue } from '../../protocols/vital-signs';
import type { DeviceObservation, DriverOutput, IgnoredItem, RejectedFrame, TechnicalEvent } from '../types';
import { createHl7Parser, type Hl7ParserOptions } from './hl7-mllp';
import { MDC_CODES } from './mdc-codes';

const VT = '\x0b';
const END = '\x1c\x0d';
const SERIAL = '080019FFFE0B4020';
const FIXED_NOW = () => new Date('2024-05-06T07:08:09Z');

/** The two GE B40 lines from DEVICES.md, verbatim. */
const GE_HR = 'OBX|11|NM|147842^MDC_ECG_HEART_RATE^MDC|1.5.1.1|80|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||||||080019FFFE0B4020^B40_GE';
const GE_ART = 'OBX|4|NM|150033^MDC_PRESS_BLD_ART_SYS^MDC|1.13.1.1|112|266016^MDC_DIM_MMHG^MDC|||||R|||||||080019FFFE0B4020^B40_GE';

const MSH = (controlId = 'MSG00001', type = 'ORU^R01^ORU_R01') =>
  `MSH|^~\\&|B40^${SERIAL}^EUI-64|GE_FAC|VIGIL|VIGIL_FAC|20240506070809+0000||${type}|${controlId}|P|2.6|||AL|NE||UNICODE UTF-8`;

/** An OBX in the IHE PCD-01 layout: OBX-3 code, OBX-5 value, OBX-6 unit, OBX-11 status, OBX-14 time, OBX-18 id. */
function obx(setId: number, code: string, name: string, value: string, unit: string, opts: { status?: string; time?: string; device?: string } = {}): string {
  const f: string[] = new Array(19).fill('');
  f[0] = 'OBX';
  f[1] = String(setId);
  f[2] = 'NM';
  f[3] = `${code}^${name}^MDC`;
  f[4] = `1.${setId}.1.1`;
  f[5] = value;
  f[6] = unit;
  f[11] = opts.status ?? 'R';
  f[14] = opts.time ?? '20240506070800+0000';
  f[18] = `${opts.device ?? SERIAL}^B40_GE`;
  return f.join('|');
}

const U = {
  pct: '262688^MDC_DIM_PERCENT^MDC',
  bpm: '264864^MDC_DIM_BEAT_PER_MIN^MDC',
  rpm: '264928^MDC_DIM_RESP_PER_MIN^MDC',
  mmHg: '266016^MDC_DIM_MMHG^MDC',
  degC: '268192^MDC_DIM_DEGC^MDC',
};

const FULL_SEGMENTS = [
  MSH(),
  'PID|||12345^^^VIGIL^PI',
  'OBR|1|||182777000^monitoring of patient^SNOMED-CT|||20240506070800+0000',
  GE_HR,
  GE_ART,
  obx(5, '150021', 'MDC_PRESS_BLD_NONINV_SYS', '120', U.mmHg),
  obx(6, '150022', 'MDC_PRESS_BLD_NONINV_DIA', '80', U.mmHg),
  obx(7, '150023', 'MDC_PRESS_BLD_NONINV_MEAN', '93', U.mmHg),
  obx(8, '150456', 'MDC_PULS_OXIM_SAT_O2', '97', U.pct),
  obx(9, '149530', 'MDC_PULS_OXIM_PULS_RATE', '79', U.bpm),
  obx(10, '151562', 'MDC_RESP_RATE', '14', U.rpm),
  obx(12, '150368', 'MDC_TEMP_CORE', '37.2', U.degC),
  obx(13, '150388', 'MDC_TEMP_SKIN', '33.4', U.degC),
  obx(14, '150392', 'MDC_TEMP_TYMP', '', U.degC, { status: 'X' }), // result status X
  obx(15, '150344', 'MDC_TEMP', '', U.degC), // empty value
  obx(16, '149522', 'MDC_BLD_PULS_RATE_INV', '81', U.bpm, { status: 'X' }),
  obx(17, '188736', 'MDC_MASS_BODY_ACTUAL', '70', '263875^MDC_DIM_KILO_G^MDC'), // not in the table
  obx(18, '149546', 'MDC_PULS_RATE_NON_INV', '-100', U.bpm), // sentinel
  obx(19, '150344', 'MDC_TEMP', '384.5', U.degC), // absurd
  obx(20, '150456', 'MDC_PULS_OXIM_SAT_O2', '97', U.bpm), // wrong unit for SpO2
  obx(21, '149514', 'MDC_PULS_RATE', 'abc', U.bpm), // not a number
];
const FULL_OBX_COUNT = FULL_SEGMENTS.filter((s) => s.startsWith('OBX')).length;

const frameText = (segments: string[]) => `${VT}${segments.join('\r')}\r${END}`;
const frame = (segments: string[]) => Buffer.from(frameText(segments), 'utf8');

async function run(chunks: Buffer[], options: Hl7ParserOptions = {}): Promise<DriverOutput[]> {
  const parser = createHl7Parser({ now: FIXED_NOW, ...options });
  const out: DriverOutput[] = [];
  parser.on('data', (o: DriverOutput) => out.push(o));
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  for (const c of chunks) parser.write(c);
  parser.end();
  await done;
  return out;
}

const observations = (out: DriverOutput[]) => out.filter((o): o is DeviceObservation => o.kind === 'observation');
const rejected = (out: DriverOutput[]) => out.filter((o): o is RejectedFrame => o.kind === 'rejected');
const ignored = (out: DriverOutput[]) => out.filter((o): o is IgnoredItem => o.kind === 'ignored');
const technical = (out: DriverOutput[]) => out.filter((o): o is TechnicalEvent => o.kind === 'technical');
const acks = (out: DriverOutput[]) => out.filter((o): o is Extract<DriverOutput, { kind: 'ack' }> => o.kind === 'ack');

/** Split a buffer at the given cut points. */
function cut(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => Math.max(0, Math.min(buf.length, p))))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    parts.push(buf.subarray(prev, p));
    prev = p;
  }
  parts.push(buf.subarray(prev));
  return parts.filter((p) => p.length > 0);
}

describe('HL7 MDC mapping table', () => {
  it('records source and body site, and marks invasive arterial pressure and skin temperature', () => {
    expect(MDC_CODES['149546']).toMatchObject({ vitalCode: 'PULSE', source: 'nibp' });
    expect(MDC_CODES['147842']).toMatchObject({ vitalCode: 'HR', source: 'ecg' });
    for (const c of ['150033', '150034', '150035']) expect(MDC_CODES[c]).toMatchObject({ vitalCode: null, source: 'invasive', neverCuffBp: true });
    expect(MDC_CODES['150388']).toMatchObject({ vitalCode: 'TEMP', bodySite: 'skin', neverDrivesFever: true });
    expect(MDC_CODES['150344']).toMatchObject({ vitalCode: 'TEMP', bodySite: null });
  });
});

describe('createHl7Parser: a full ORU^R01', () => {
  let out: DriverOutput[];
  beforeAll(async () => {
    out = await run([frame(FULL_SEGMENTS)], { expectedSerial: SERIAL });
  });

  it('emits exactly one output per OBX and nothing for the other segments', () => {
    expect(out.filter((o) => o.kind !== 'ack')).toHaveLength(FULL_OBX_COUNT);
    expect(technical(out)).toEqual([]);
  });

  it('reads the GE B40 heart rate: HR 80 /min from the ECG with OBX-14 as the device time', () => {
    const hr = observations(out).filter((o) => o.code === 'HR');
    expect(hr).toEqual([{ kind: 'observation', code: 'HR', value: 80, unit: '/min', deviceTime: null, quality: {}, source: 'ecg' }]);
  });

  it('never stores the invasive arterial 150033 value as SYSBP', () => {
    const sys = observations(out).filter((o) => o.code === 'SYSBP');
    expect(sys).toHaveLength(1);
    expect(sys[0]).toMatchObject({ value: 120, source: 'nibp' });
    expect(observations(out).some((o) => o.value === 112)).toBe(false);
    expect(ignored(out)).toContainEqual({ kind: 'ignored', reason: 'invasive arterial pressure is not stored as cuff BP', raw: GE_ART });
  });

  it('maps codes and MDC units to vital codes and UCUM, with source and body site', () => {
    const byCode = observations(out).map((o) => [o.code, o.value, o.unit, o.source, o.bodySite, o.deviceTime]);
    expect(byCode).toEqual([
      ['HR', 80, '/min', 'ecg', undefined, null],
      ['SYSBP', 120, 'mm[Hg]', 'nibp', undefined, '20240506070800+0000'],
      ['DIABP', 80, 'mm[Hg]', 'nibp', undefined, '20240506070800+0000'],
      ['MAP', 93, 'mm[Hg]', 'nibp', undefined, '20240506070800+0000'],
      ['OXYSAT', 97, '%', 'oximeter', undefined, '20240506070800+0000'],
      ['PULSE', 79, '/min', 'oximeter', undefined, '20240506070800+0000'],
      ['RESP', 14, '/min', undefined, undefined, '20240506070800+0000'],
      ['TEMP', 37.2, 'Cel', undefined, 'core', '20240506070800+0000'],
      ['TEMP', 33.4, 'Cel', undefined, 'skin', '20240506070800+0000'],
    ]);
  });

  it('skips result status X and empty values, and ignores codes not in the table', () => {
    const reasons = ignored(out).map((i) => i.reason);
    expect(reasons.filter((r) => /result status X/.test(r))).toHaveLength(2);
    expect(reasons.filter((r) => /empty OBX-5/.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /188736 \(MDC_MASS_BODY_ACTUAL\) is not mapped/.test(r))).toHaveLength(1);
    expect(ignored(out)).toHaveLength(5);
  });

  it('rejects the -100 sentinel, the absurd 384.5 Cel, a wrong unit and a non-number, keeping the raw segment', () => {
    const r = rejected(out);
    expect(r).toHaveLength(4);
    expect(r[0]).toMatchObject({ raw: FULL_SEGMENTS.find((s) => s.includes('|-100|')) });
    expect(r[0].reason).toMatch(/PULSE -100 \/min is not physiologically plausible/);
    expect(r[1]).toMatchObject({ raw: FULL_SEGMENTS.find((s) => s.includes('|384.5|')) });
    expect(r[1].reason).toMatch(/TEMP 384\.5 Cel is not physiologically plausible/);
    expect(r[2].reason).toMatch(/unit 264864\^MDC_DIM_BEAT_PER_MIN\^MDC is not the unit of OXYSAT/);
    expect(r[3].reason).toMatch(/abc is not a number/);
    expect(observations(out).some((o) => o.value === -100 || o.value === 384.5)).toBe(false);
  });

  it('pushes no ACK unless asked', () => {
    expect(acks(out)).toEqual([]);
  });
});

describe('createHl7Parser: serial number (OBX-18)', () => {
  it('rejects the whole message from another device and raises a medium wrong-serial technical alarm', async () => {
    const out = await run([frame(FULL_SEGMENTS)], { expectedSerial: '00A0B1FFFE000001', ack: true });
    expect(observations(out)).toEqual([]);
    expect(ignored(out)).toEqual([]);
    expect(rejected(out)).toHaveLength(1);
    expect(rejected(out)[0].reason).toMatch(/wrong serial: device id 080019FFFE0B4020/);
    expect(rejected(out)[0].raw).toBe(FULL_SEGMENTS.join('\r') + '\r');
    expect(technical(out)).toEqual([expect.objectContaining({ kind: 'technical', condition: 'wrong-serial', priority: 'medium' })]);
    const ack = acks(out)[0].bytes.toString('utf8');
    expect(ack).toMatch(/\rMSA\|AE\|MSG00001\|device id 080019FFFE0B4020 \(OBX-18\) is not the registered device 00A0B1FFFE000001\r/);
  });

  it('rejects a message when one OBX carries another id', async () => {
    const segs = [MSH(), obx(1, '147842', 'MDC_ECG_HEART_RATE', '70', U.bpm), obx(2, '150456', 'MDC_PULS_OXIM_SAT_O2', '98', U.pct, { device: 'OTHER' })];
    const out = await run([frame(segs)], { expectedSerial: SERIAL });
    expect(observations(out)).toEqual([]);
    expect(technical(out)).toHaveLength(1);
  });

  it('rejects a message without any OBX-18 when a serial is registered, and accepts it when none is', async () => {
    const noId = obx(1, '147842', 'MDC_ECG_HEART_RATE', '70', U.bpm).replace(/\|[^|]*$/, '|');
    expect((await run([frame([MSH(), noId])], { expectedSerial: SERIAL })).map((o) => o.kind)).toEqual(['rejected', 'technical']);
    expect(observations(await run([frame([MSH(), noId])]))).toHaveLength(1);
  });
});

describe('createHl7Parser: ACK', () => {
  it('pushes an MLLP-framed ACK after each message: swapped application and facility, new control id, MSA|AA', async () => {
    const out = await run([frame(FULL_SEGMENTS)], { expectedSerial: SERIAL, ack: true });
    expect(out[out.length - 1].kind).toBe('ack');
    const bytes = acks(out)[0].bytes;
    expect(bytes[0]).toBe(0x0b);
    expect(bytes.subarray(-2)).toEqual(Buffer.from([0x1c, 0x0d]));
    const segments = bytes.subarray(1, -2).toString('utf8').split('\r');
    expect(segments.pop()).toBe('');
    expect(segments).toHaveLength(2);
    const msh = segments[0].split('|');
    expect(msh.slice(0, 7)).toEqual(['MSH', '^~\\&', 'VIGIL', 'VIGIL_FAC', `B40^${SERIAL}^EUI-64`, 'GE_FAC', '20240506070809+0000']);
    expect(msh[8]).toBe('ACK^R01^ACK');
    expect(msh[9]).not.toBe('MSG00001');
    expect(msh[9].length).toBeGreaterThan(0);
    expect(msh[9].length).toBeLessThanOrEqual(20);
    expect(msh.slice(10, 12)).toEqual(['P', '2.6']);
    expect(segments[1]).toBe('MSA|AA|MSG00001');
  });

  it('gives each ACK its own control id', async () => {
    const out = await run([frame([MSH('A1'), GE_HR]), frame([MSH('A2'), GE_HR])], { ack: true });
    const ids = acks(out).map((a) => a.bytes.toString('utf8').split('\r')[0].split('|')[9]);
    expect(new Set(ids).size).toBe(2);
    expect(acks(out).map((a) => a.bytes.toString('utf8').split('\r')[1])).toEqual(['MSA|AA|A1', 'MSA|AA|A2']);
  });

  it('ignores a message that is not ORU^R01 and answers AR', async () => {
    const out = await run([frame([MSH('Q1', 'QRY^Q01'), 'QRD|x'])], { ack: true });
    expect(out[0]).toMatchObject({ kind: 'ignored', reason: 'message type QRY^Q01 is not ORU^R01' });
    expect(acks(out)[0].bytes.toString('utf8')).toContain('\rMSA|AR|Q1|unsupported message type QRY\\S\\Q01\r');
  });

  it('does not acknowledge a frame cut short, so the sender resends it', async () => {
    const full = frame([MSH(), GE_HR]);
    const out = await run([full.subarray(0, full.length - 2)], { ack: true });
    expect(acks(out)).toEqual([]);
  });
});

describe('createHl7Parser: framing', () => {
  const full = frame(FULL_SEGMENTS);
  let reference: DriverOutput[];
  beforeAll(async () => {
    reference = await run([full], { expectedSerial: SERIAL, ack: true });
  });

  it('yields the same output when fed one byte at a time', async () => {
    const bytes = [...full].map((b) => Buffer.from([b]));
    expect(await run(bytes, { expectedSerial: SERIAL, ack: true })).toEqual(reference);
  });

  it('yields the same output for random chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: full.length }), { maxLength: 40 }), async (points) => {
        expect(await run(cut(full, points), { expectedSerial: SERIAL, ack: true })).toEqual(reference);
      }),
      { numRuns: 100 },
    );
  });

  it('reads two messages back to back in one chunk', async () => {
    const two = Buffer.concat([frame([MSH('M1'), GE_HR]), frame([MSH('M2'), obx(1, '150456', 'MDC_PULS_OXIM_SAT_O2', '96', U.pct)])]);
    const out = await run([two], { ack: true });
    expect(out.map((o) => o.kind)).toEqual(['observation', 'ack', 'observation', 'ack']);
    expect(observations(out).map((o) => [o.code, o.value])).toEqual([
      ['HR', 80],
      ['OXYSAT', 96],
    ]);
  });

  it('skips garbage before 0x0B as one rejected run and still reads the message', async () => {
    const garbage = Buffer.from('\x00\xffnoise\r\nmore noise', 'latin1');
    const out = await run([garbage.subarray(0, 5), Buffer.concat([garbage.subarray(5), frame([MSH(), GE_HR])])]);
    expect(out.map((o) => o.kind)).toEqual(['rejected', 'observation']);
    expect(out[0]).toEqual({ kind: 'rejected', reason: 'bytes outside an MLLP frame', raw: garbage.toString('hex') });
  });

  it('reports trailing bytes outside a frame at the end of the stream', async () => {
    const out = await run([frame([MSH(), GE_HR]), Buffer.from('xyz')]);
    expect(out.map((o) => o.kind)).toEqual(['observation', 'rejected']);
    expect(out[1]).toMatchObject({ reason: 'bytes outside an MLLP frame', raw: '78797a' });
  });

  it('rejects a truncated message at the end of the stream, never a value from it', async () => {
    const text = frameText([MSH(), GE_HR, obx(2, '150368', 'MDC_TEMP_CORE', '37.5', U.degC)]);
    const cutAt = text.indexOf('37.5') + 2; // "37" would still be plausible
    const out = await run([Buffer.from(text.slice(0, cutAt))]);
    expect(out).toEqual([{ kind: 'rejected', reason: 'truncated MLLP frame at end of stream', raw: text.slice(1, cutAt) }]);
  });

  it('rejects a frame cut short by a new 0x0B and reads the next one', async () => {
    const first = frameText([MSH('M1'), GE_HR]).slice(0, 40);
    const out = await run([Buffer.concat([Buffer.from(first), frame([MSH('M2'), GE_HR])])]);
    expect(out.map((o) => o.kind)).toEqual(['rejected', 'observation']);
    expect((out[0] as RejectedFrame).reason).toMatch(/new frame started before its end/);
  });

  it('rejects a frame whose 0x1C is not followed by 0x0D', async () => {
    const bad = Buffer.from(`${VT}${MSH()}\r${GE_HR}\r\x1cX`);
    const out = await run([bad, frame([MSH(), GE_HR])]);
    expect(out.map((o) => o.kind)).toEqual(['rejected', 'rejected', 'observation']);
    expect((out[0] as RejectedFrame).reason).toMatch(/0x1C not followed by 0x0D/);
    expect(out[1]).toMatchObject({ reason: 'bytes outside an MLLP frame', raw: '58' });
  });

  it('rejects and drops a frame over the size bound, then recovers', async () => {
    const big = Buffer.concat([Buffer.from(`${VT}${MSH()}\rNTE|1||`), Buffer.alloc(5000, 0x41), Buffer.from(`\r${END}`)]);
    const out = await run([big.subarray(0, 2000), big.subarray(2000, big.length - 1), big.subarray(big.length - 1), frame([MSH(), GE_HR])], { maxFrameBytes: 4096 });
    expect(out.map((o) => o.kind)).toEqual(['rejected', 'observation']);
    expect((out[0] as RejectedFrame).reason).toMatch(/longer than 4096 bytes/);
    expect((out[0] as RejectedFrame).raw.length).toBeLessThan(1000);
  });

  it('tolerates \\n and \\r\\n between segments', async () => {
    const out = await run([Buffer.from(`${VT}${MSH()}\r\n${GE_HR}\n${obx(2, '151562', 'MDC_RESP_RATE', '12', U.rpm)}\n${END}`)]);
    expect(observations(out).map((o) => o.code)).toEqual(['HR', 'RESP']);
  });

  it('reads another field separator and component separator from MSH', async () => {
    const text = [MSH(), GE_HR].join('\r').replace(/\|/g, '#').replace(/\^/g, '$');
    const out = await run([Buffer.from(`${VT}${text}\r${END}`)], { expectedSerial: SERIAL, ack: true });
    expect(observations(out)).toEqual([expect.objectContaining({ code: 'HR', value: 80, source: 'ecg' })]);
    expect(acks(out)[0].bytes.toString('utf8')).toContain('\rMSA#AA#MSG00001\r');
  });

  it('rejects a frame that is not an HL7 message', async () => {
    const out = await run([Buffer.from(`${VT}hello${END}`)], { ack: true });
    expect(out).toEqual([{ kind: 'rejected', reason: 'not an HL7 message: no MSH segment', raw: 'hello' }]);
  });
});

describe('createHl7Parser: properties', () => {
  const assertSafe = (out: DriverOutput[]) => {
    for (const o of out) {
      if (o.kind === 'observation') expect(checkValue(o.code, o.value, o.unit)).toBeUndefined();
    }
  };

  it('never throws and never yields an out-of-range observation on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), fc.boolean(), async (chunks, ack) => {
        assertSafe(await run(chunks.map((c) => Buffer.from(c)), { ack, expectedSerial: ack ? SERIAL : null }));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated valid messages (HL7-shaped noise), and never yields an out-of-range observation', async () => {
    const alphabet = fc.constantFrom(...'|^~\\&\r\n\x0b\x1c0123456789.-+ OBXMSH'.split(''));
    const full = frameText(FULL_SEGMENTS);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(full.length), alphabet), { maxLength: 20 }), fc.array(fc.nat(full.length), { maxLength: 10 }), async (edits, points) => {
        const chars = full.split('');
        for (const [at, ch] of edits) chars.splice(at, 1, ch);
        assertSafe(await run(cut(Buffer.from(chars.join(''), 'latin1'), points), { ack: true }));
      }),
      { numRuns: 300 },
    );
  });

  it('recovers every valid message embedded in noise without 0x0B or 0x1C bytes', async () => {
    const noise = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0b && b !== 0x1c)));
    const reading = fc.record({
      hr: fc.integer({ min: 20, max: 300 }),
      spo2: fc.integer({ min: 40, max: 100 }),
      temp: fc.integer({ min: 300, max: 450 }).map((t) => t / 10),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(noise, reading), { minLength: 1, maxLength: 6 }), noise, fc.array(fc.nat(3000), { maxLength: 12 }), async (parts, tail, points) => {
        const stream = Buffer.concat([
          ...parts.flatMap(([n, r], i) => [
            n,
            frame([
              MSH(`C${i}`),
              obx(1, '147842', 'MDC_ECG_HEART_RATE', String(r.hr), U.bpm),
              obx(2, '150456', 'MDC_PULS_OXIM_SAT_O2', String(r.spo2), U.pct),
              obx(3, '150368', 'MDC_TEMP_CORE', String(r.temp), U.degC),
            ]),
          ]),
          tail,
        ]);
        const out = await run(cut(stream, points), { expectedSerial: SERIAL, ack: true });
        expect(observations(out).map((o) => o.value)).toEqual(parts.flatMap(([, r]) => [r.hr, r.spo2, r.temp]));
        expect(acks(out).map((a) => a.bytes.toString('utf8').split('\r')[1])).toEqual(parts.map((_, i) => `MSA|AA|C${i}`));
        expect(rejected(out).every((r) => r.reason === 'bytes outside an MLLP frame')).toBe(true);
        expect(technical(out)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
