import { Readable } from 'node:stream';
import fc from 'fast-check';
import { SerialPortMock } from 'serialport';
import { MockBinding } from '@serialport/binding-mock';
import { checkValue } from '../../protocols/vital-signs';
import type { DeviceObservation, DriverOptions, DriverOutput, RejectedFrame, TechnicalEvent } from '../types';
import { MAX_LINE_BYTES, createMasimoParser, isDashValue, parseMasimoLine } from './masimo-ascii';

const RAD8_1 =
  '02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800';
const RAD8_2 =
  '02/22/16 22:47:46 SN=0000056661 SPO2=098% BPM=096 PI=03.95% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800';

/** Feed chunks through a fresh parser and collect everything it pushes. */
async function run(chunks: Array<Buffer | string>, options: DriverOptions = {}): Promise<DriverOutput[]> {
  const parser = createMasimoParser(options);
  const out: DriverOutput[] = [];
  parser.on('data', (item: DriverOutput) => out.push(item));
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  for (const c of chunks) parser.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  parser.end();
  await done;
  return out;
}

const observations = (out: DriverOutput[]) => out.filter((o): o is DeviceObservation => o.kind === 'observation');
const technical = (out: DriverOutput[]) => out.filter((o): o is TechnicalEvent => o.kind === 'technical');
const rejected = (out: DriverOutput[]) => out.filter((o): o is RejectedFrame => o.kind === 'rejected');

/** A line with the given ALARM and EXC and plausible values. */
const line = (fields: string, ts = '03/01/24 10:00:00') => `${ts} ${fields}`;

describe('Masimo ASCII parser: the real Rad-8 lines', () => {
  it('gives OXYSAT 98 % and PULSE 97 then 96 /min with the device time and the SN checked', async () => {
    const out = await run([`${RAD8_1}\r\n${RAD8_2}\r\n`], { expectedSerial: '0000056661' });
    expect(out).toEqual([
      { kind: 'observation', code: 'OXYSAT', value: 98, unit: '%', deviceTime: '02/22/16 22:47:45', quality: {}, source: 'oximeter' },
      { kind: 'observation', code: 'PULSE', value: 97, unit: '/min', deviceTime: '02/22/16 22:47:45', quality: {}, source: 'oximeter' },
      { kind: 'observation', code: 'OXYSAT', value: 98, unit: '%', deviceTime: '02/22/16 22:47:46', quality: {}, source: 'oximeter' },
      { kind: 'observation', code: 'PULSE', value: 96, unit: '/min', deviceTime: '02/22/16 22:47:46', quality: {}, source: 'oximeter' },
    ]);
  });

  it('accepts the registered serial without its zero padding', async () => {
    const out = await run([`${RAD8_1}\r\n`], { expectedSerial: '56661' });
    expect(observations(out)).toHaveLength(2);
    expect(rejected(out)).toHaveLength(0);
  });

  it('EXC=000800 (full SET mode) is normal: no technical event, no quality flag', async () => {
    const out = await run([`${RAD8_1}\n`]);
    expect(technical(out)).toEqual([]);
    for (const o of observations(out)) expect(o.quality).toEqual({});
  });

  it('the observations pass checkValue', async () => {
    for (const o of observations(await run([`${RAD8_1}\n${RAD8_2}\n`]))) expect(checkValue(o.code, o.value, o.unit)).toBeUndefined();
  });
});

describe('Masimo ASCII parser: values', () => {
  it('dash-filled values are no value, never zero, and not a rejection', async () => {
    const out = await run([line('SN=0000056661 SPO2=---% BPM=--- PI=--.--% PIDELTA=+-- ALARM=0000 EXC=000800') + '\r\n']);
    expect(out).toEqual([]);
  });

  it('recognises dash values in their forms', () => {
    for (const v of ['--', '---', '--.-%', '+--', '-', '---%', '--.--']) expect(isDashValue(v)).toBe(true);
    for (const v of ['098%', '0', '', '+12', '03.60%']) expect(isDashValue(v)).toBe(false);
  });

  it('one value present, the other dashed: only the present one', async () => {
    const out = await run([line('SPO2=097% BPM=--- ALARM=0000 EXC=000800') + '\n']);
    expect(observations(out).map((o) => [o.code, o.value])).toEqual([['OXYSAT', 97]]);
  });

  it('PI without its % is tolerated', async () => {
    const out = await run([line('SN=0000056661 SPO2=099% BPM=072 PI=3.60 ALARM=0000 EXC=000800') + '\n']);
    expect(observations(out).map((o) => o.value)).toEqual([99, 72]);
    expect(rejected(out)).toEqual([]);
  });

  it('SPO2 without % is accepted in %', async () => {
    const out = await run([line('SPO2=95 BPM=80') + '\n']);
    expect(observations(out).map((o) => [o.code, o.value, o.unit])).toEqual([
      ['OXYSAT', 95, '%'],
      ['PULSE', 80, '/min'],
    ]);
  });

  it('out-of-range SPO2=140% is rejected with the reason and raw line; BPM of the same line stands', async () => {
    const raw = line('SN=0000056661 SPO2=140% BPM=080 ALARM=0000 EXC=000800');
    const out = await run([raw + '\r\n']);
    expect(observations(out).map((o) => o.code)).toEqual(['PULSE']);
    const [r] = rejected(out);
    expect(rejected(out)).toHaveLength(1);
    expect(r.raw).toBe(raw);
    expect(r.reason).toMatch(/SPO2=140%.*not physiologically plausible/);
  });

  it('out-of-range BPM (sentinel 000, 400) is rejected, not stored', async () => {
    const out = await run([line('SPO2=098% BPM=000') + '\n', line('SPO2=098% BPM=400') + '\n']);
    expect(observations(out).every((o) => o.code === 'OXYSAT')).toBe(true);
    expect(rejected(out)).toHaveLength(2);
  });

  it('a garbled value rejects the whole line (its flags and values are not trusted)', async () => {
    const out = await run([line('SPO2=0?8% BPM=097 EXC=000800') + '\n', line('SPO2=098% BPM=9x7') + '\n', line('SPO2=098% BPM=097%') + '\n']);
    expect(observations(out)).toEqual([]);
    expect(rejected(out)).toHaveLength(3);
  });

  it('a malformed ALARM or EXC rejects the line', async () => {
    const out = await run([line('SPO2=098% BPM=097 EXC=00G800') + '\n', line('SPO2=098% BPM=097 ALARM=zz') + '\n']);
    expect(observations(out)).toEqual([]);
    expect(rejected(out).map((r) => r.reason)).toEqual([expect.stringMatching(/EXC/), expect.stringMatching(/ALARM/)]);
  });
});

describe('Masimo ASCII parser: field sets differ by model', () => {
  it('ALARM=00 (2 digits) and EXC=000 (3 digits)', async () => {
    const out = await run([line('SN=1234 SPO2=097% BPM=061 PI=2.1% ALARM=00 EXC=000') + '\n']);
    expect(observations(out).map((o) => o.value)).toEqual([97, 61]);
    expect(technical(out)).toEqual([]);
  });

  it('ALARM with 6 digits and EXC with 7 digits', async () => {
    const out = await run([line('SPO2=097% BPM=061 ALARM=000020 EXC=0000821') + '\n']);
    expect(technical(out).map((t) => t.condition).sort()).toEqual(['alarm-silenced', 'no-sensor', 'sensor-off']);
  });

  it('extra keys (PVI, SPHB, EXC1, unknown) are tolerated and keys may come in any order', async () => {
    const out = await run([
      line('EXC=000800 BPM=088 PVI=--- SPHB=13.2 EXC1=00000000 FOO=bar SPO2=096% ALARM=0000 SN=0000056661 PI=01.20%') + '\r\n',
    ]);
    expect(observations(out).map((o) => [o.code, o.value])).toEqual([
      ['OXYSAT', 96],
      ['PULSE', 88],
    ]);
    expect(rejected(out)).toEqual([]);
  });

  it('a line without ALARM/EXC/SN still yields its values', async () => {
    const out = await run([line('SPO2=099% BPM=070') + '\n']);
    expect(observations(out)).toHaveLength(2);
  });
});

describe('Masimo ASCII parser: EXC bits', () => {
  const exc = async (hex: string) => run([line(`SPO2=097% BPM=070 ALARM=0000 EXC=${hex}`) + '\r\n']);

  it.each([
    ['000001', 'no-sensor', 'medium'],
    ['000002', 'sensor-fault', 'medium'],
    ['000020', 'sensor-off', 'medium'],
    ['000080', 'sensor-fault', 'medium'],
    ['001000', 'cable-fault', 'medium'],
    ['002000', 'cable-fault', 'medium'],
    ['040000', 'sensor-expired', 'medium'],
  ])('EXC=%s -> technical %s (%s) and values marked artifact', async (hex, condition, priority) => {
    const out = await exc(hex);
    expect(technical(out)).toEqual([{ kind: 'technical', condition, priority, detail: expect.stringContaining(`EXC=${hex}`) }]);
    for (const o of observations(out)) expect(o.quality.artifact).toBe(true);
  });

  it('two bits of the same condition give one event naming both', async () => {
    const out = await exc('003082');
    expect(technical(out).map((t) => t.condition).sort()).toEqual(['cable-fault', 'sensor-fault']);
    const cable = technical(out).find((t) => t.condition === 'cable-fault')!;
    expect(cable.detail).toMatch(/no cable.*cable expired/);
  });

  it.each([
    ['000004', { lowPerfusion: true }],
    ['000010', { interference: true }],
    ['000040', { interference: true }],
    ['000400', { lowSignalIq: true }],
    ['000008', { artifact: true }],
    ['000C14', { lowPerfusion: true, interference: true, lowSignalIq: true }],
    ['000800', {}],
  ])('EXC=%s marks the quality %j and raises no technical event', async (hex, quality) => {
    const out = await exc(hex);
    expect(technical(out)).toEqual([]);
    const obs = observations(out);
    expect(obs).toHaveLength(2);
    for (const o of obs) expect(o.quality).toEqual(quality);
  });

  it('each observation carries its own quality object', async () => {
    const [a, b] = observations(await exc('000004'));
    a.quality.artifact = true;
    expect(b.quality.artifact).toBeUndefined();
  });

  it('technical events repeat on every line while the condition holds (level-triggered)', async () => {
    const lines = [0, 1, 2].map((s) => line('SPO2=--- BPM=--- ALARM=0000 EXC=000021', `03/01/24 10:00:0${s}`) + '\r\n');
    const out = await run(lines);
    expect(technical(out).map((t) => t.condition)).toEqual(['no-sensor', 'sensor-off', 'no-sensor', 'sensor-off', 'no-sensor', 'sensor-off']);
    expect(observations(out)).toEqual([]);
  });
});

describe('Masimo ASCII parser: ALARM bits', () => {
  const alarm = async (hex: string) => technical(await run([line(`SPO2=097% BPM=070 ALARM=${hex} EXC=000800`) + '\n']));

  it('0x20 alarm silenced -> alarm-silenced low', async () => {
    expect(await alarm('0020')).toEqual([{ kind: 'technical', condition: 'alarm-silenced', priority: 'low', detail: expect.any(String) }]);
  });

  it('0x40 low battery -> low-battery low', async () => {
    expect(await alarm('0040')).toEqual([{ kind: 'technical', condition: 'low-battery', priority: 'low', detail: expect.any(String) }]);
  });

  it('0x10 alarm active -> device-alarm low, naming the device limit bits', async () => {
    const events = await alarm('0012');
    expect(events).toEqual([{ kind: 'technical', condition: 'device-alarm', priority: 'low', detail: expect.stringMatching(/SpO2 low/) }]);
  });

  it('limit bits 0x01–0x08 alone raise nothing (Vigil runs its own rules)', async () => {
    expect(await alarm('000F')).toEqual([]);
  });

  it('0x70 gives all three', async () => {
    expect((await alarm('70')).map((t) => t.condition).sort()).toEqual(['alarm-silenced', 'device-alarm', 'low-battery']);
  });
});

describe('Masimo ASCII parser: serial number', () => {
  it('a wrong SN rejects the line once and raises wrong-serial (medium); nothing else from it', async () => {
    const out = await run([`${RAD8_1}\r\n`.replace('ALARM=0000 EXC=000800', 'ALARM=0020 EXC=000001')], { expectedSerial: '0000099999' });
    expect(out).toEqual([
      { kind: 'rejected', reason: expect.stringMatching(/SN 0000056661.*99999/), raw: expect.stringContaining('SN=0000056661') },
      { kind: 'technical', condition: 'wrong-serial', priority: 'medium', detail: expect.any(String) },
    ]);
  });

  it('a missing SN when a serial is registered is rejected too (cannot be verified)', async () => {
    const out = await run([line('SPO2=097% BPM=070') + '\n'], { expectedSerial: '56661' });
    expect(out.map((o) => o.kind)).toEqual(['rejected', 'technical']);
    expect(technical(out)[0].condition).toBe('wrong-serial');
  });

  it('no registered serial: any SN is accepted', async () => {
    expect(observations(await run([`${RAD8_1}\n`], { expectedSerial: null }))).toHaveLength(2);
  });
});

describe('Masimo ASCII parser: framing and garbage', () => {
  it('garbage and lines without a timestamp are rejected with a reason', async () => {
    const out = await run(['hello world\r\n', 'SPO2=098% BPM=097\r\n', '\x00\x01\xff\xfe\n', '13/45/16 22:47:45 SPO2=098%\n', '02/22/16 22:47:45\n']);
    expect(observations(out)).toEqual([]);
    const r = rejected(out);
    expect(r).toHaveLength(5);
    for (const x of r) expect(x.reason.length).toBeGreaterThan(0);
    expect(r[0].raw).toBe('hello world');
  });

  it('a token without = or a duplicated key rejects the line', async () => {
    const out = await run([line('SPO2=098% junk BPM=097') + '\n', line('SPO2=098% SPO2=050% BPM=097') + '\n']);
    expect(observations(out)).toEqual([]);
    expect(rejected(out)).toHaveLength(2);
  });

  it('empty lines are skipped silently', async () => {
    expect(await run(['\r\n\n\r\n'])).toEqual([]);
  });

  it('CR and LF split across chunk boundaries', async () => {
    const text = `${RAD8_1}\r\n${RAD8_2}\r\n`;
    const cr = text.indexOf('\r');
    const out = await run([text.slice(0, cr), '\r', '\n' + text.slice(cr + 2, cr + 20), text.slice(cr + 20, -1), '\n']);
    expect(observations(out).map((o) => o.value)).toEqual([98, 97, 98, 96]);
    expect(rejected(out)).toEqual([]);
  });

  it('one byte at a time', async () => {
    const bytes = Buffer.from(`${RAD8_1}\r\n${RAD8_2}\r\n`, 'latin1');
    const out = await run([...bytes].map((b) => Buffer.from([b])));
    expect(observations(out).map((o) => o.value)).toEqual([98, 97, 98, 96]);
  });

  it('a partial last line at end of stream is rejected as truncated', async () => {
    const out = await run([`${RAD8_1}\r\n${RAD8_2.slice(0, 40)}`]);
    expect(observations(out)).toHaveLength(2);
    expect(rejected(out)).toEqual([{ kind: 'rejected', reason: expect.stringMatching(/truncated/), raw: RAD8_2.slice(0, 40) }]);
  });

  it('an over-long line without newline is dropped once, memory stays bounded, and parsing resumes', async () => {
    const parser = createMasimoParser();
    const out: DriverOutput[] = [];
    parser.on('data', (o: DriverOutput) => out.push(o));
    const junk = Buffer.alloc(300, 0x41);
    for (let i = 0; i < 100; i++) parser.write(junk); // 30 kB without a newline
    parser.write(Buffer.from(`tail of junk\r\n${RAD8_1}\r\n`));
    parser.end();
    await new Promise((r) => parser.on('end', r));
    const r = rejected(out);
    expect(r).toHaveLength(1);
    expect(r[0].reason).toMatch(/longer than 1024/);
    expect(r[0].raw.length).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(observations(out).map((o) => o.value)).toEqual([98, 97]);
  });

  it('an over-long complete line in one chunk is rejected as too long', async () => {
    const long = line('SPO2=098% BPM=097 ' + 'X=1 '.repeat(400));
    const out = await run([long + '\n', `${RAD8_2}\n`]);
    expect(rejected(out)).toHaveLength(1);
    expect(observations(out).map((o) => o.value)).toEqual([98, 96]);
  });

  it('a string chunk is accepted (decoded to bytes)', async () => {
    const parser = createMasimoParser();
    const out: DriverOutput[] = [];
    parser.on('data', (o: DriverOutput) => out.push(o));
    parser.end(`${RAD8_1}\n`);
    await new Promise((r) => parser.on('end', r));
    expect(observations(out)).toHaveLength(2);
  });

  it('parseMasimoLine never throws on odd input', () => {
    expect(parseMasimoLine('')[0].kind).toBe('rejected');
    expect(parseMasimoLine('02/22/16 22:47:45 =')[0].kind).toBe('rejected');
  });
});

describe('Masimo ASCII parser behind a SerialPortMock', () => {
  const path = '/dev/fake';
  beforeEach(() => {
    MockBinding.reset();
    MockBinding.createPort(path, { echo: false, record: false, maxReadSize: 3 });
  });
  afterEach(() => MockBinding.reset());

  it('fragmented reads (3 bytes at a time) are reassembled into lines', async () => {
    const port = new SerialPortMock({ path, baudRate: 9600 });
    const parser = createMasimoParser({ expectedSerial: '0000056661' });
    const out: DriverOutput[] = [];
    parser.on('data', (o: DriverOutput) => out.push(o));
    port.pipe(parser);
    await new Promise<void>((resolve, reject) => port.on('open', resolve).on('error', reject));
    port.port!.emitData(Buffer.from(`garbage\r\n${RAD8_1}\r\n`, 'latin1'));
    port.port!.emitData(Buffer.from(`${RAD8_2.slice(0, 50)}`, 'latin1'));
    port.port!.emitData(Buffer.from(`${RAD8_2.slice(50)}\r\n`, 'latin1'));
    const deadline = Date.now() + 5000;
    while (observations(out).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise<void>((resolve) => port.close(() => resolve()));
    expect(observations(out).map((o) => [o.code, o.value, o.deviceTime])).toEqual([
      ['OXYSAT', 98, '02/22/16 22:47:45'],
      ['PULSE', 97, '02/22/16 22:47:45'],
      ['OXYSAT', 98, '02/22/16 22:47:46'],
      ['PULSE', 96, '02/22/16 22:47:46'],
    ]);
    expect(rejected(out).map((r) => r.raw)).toEqual(['garbage']);
  });
});

describe('Masimo ASCII parser: properties', () => {
  /** Split a buffer at arbitrary points. */
  const chunked = (buf: Buffer, cuts: number[]): Buffer[] => {
    const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let prev = 0;
    for (const p of points) {
      parts.push(buf.subarray(prev, p));
      prev = p;
    }
    parts.push(buf.subarray(prev));
    return parts.filter((p) => p.length > 0);
  };

  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const timestampArb = fc
    .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
    .map(([mo, d, y, h, mi, s]) => `${pad(mo)}/${pad(d)}/${pad(y)} ${pad(h)}:${pad(mi)}:${pad(s)}`);

  /** A valid line with plausible values, in any field order and with optional extra keys. */
  const validLineArb = fc
    .record({
      ts: timestampArb,
      spo2: fc.integer({ min: 40, max: 100 }),
      bpm: fc.integer({ min: 20, max: 300 }),
      alarm: fc.constantFrom('00', '0000', '000000'),
      exc: fc.constantFrom('000', '000800', '0000800'),
      pi: fc.constantFrom([], ['PI=03.60%'], ['PI=1.2'], ['PI=--.--%']),
      extras: fc.subarray(['PVI=---', 'SPHB=13.1', 'EXC1=00000000', 'SPCO=--.-%', 'PIDELTA=+--']),
      order: fc.integer({ min: 0, max: 1000 }),
      crlf: fc.boolean(),
    })
    .map((r) => {
      const tokens = ['SN=0000056661', `SPO2=${pad(r.spo2, 3)}%`, `BPM=${pad(r.bpm, 3)}`, `ALARM=${r.alarm}`, `EXC=${r.exc}`, ...r.pi, ...r.extras];
      const rotated = tokens.slice(r.order % tokens.length).concat(tokens.slice(0, r.order % tokens.length));
      return { text: `${r.ts} ${rotated.join(' ')}${r.crlf ? '\r\n' : '\n'}`, ts: r.ts, spo2: r.spo2, bpm: r.bpm };
    });

  /** A garbage line: arbitrary bytes without a newline that cannot pass for a timestamped line. */
  const garbageLineArb = fc
    .uint8Array({ maxLength: 1500 })
    .map((a) => Buffer.from(a.filter((b) => b !== 0x0a)))
    .filter((b) => !/^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d/.test(b.toString('latin1')));

  it('arbitrary bytes never throw and never yield an observation outside checkValue', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 10 }), async (chunks) => {
        const out = await run(chunks.map((c) => Buffer.from(c)));
        for (const o of observations(out)) expect(checkValue(o.code, o.value, o.unit)).toBeUndefined();
        for (const r of rejected(out)) expect(r.raw.length).toBeLessThanOrEqual(MAX_LINE_BYTES);
      }),
      { numRuns: 300 },
    );
  });

  it('near-valid lines with arbitrary values never yield an observation outside checkValue', async () => {
    const valueArb = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -1000, max: 10000 }).map(String), fc.double().map(String));
    await fc.assert(
      fc.asyncProperty(timestampArb, valueArb, valueArb, fc.string({ maxLength: 8 }), async (ts, spo2, bpm, exc) => {
        const out = await run([`${ts} SPO2=${spo2}% BPM=${bpm} EXC=${exc}\r\n`]);
        for (const o of observations(out)) {
          expect(checkValue(o.code, o.value, o.unit)).toBeUndefined();
          expect(o.source).toBe('oximeter');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('valid lines embedded between random garbage lines are all recovered, however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(garbageLineArb, validLineArb), { minLength: 1, maxLength: 8 }),
        garbageLineArb,
        fc.array(fc.nat(), { maxLength: 20 }),
        async (pairs, trailing, cuts) => {
          const bytes = Buffer.concat([...pairs.flatMap(([g, v]) => [g, Buffer.from('\n'), Buffer.from(v.text, 'latin1')]), trailing, Buffer.from('\n')]);
          const out = await run(chunked(bytes, cuts));
          const expected = pairs.flatMap(([, v]) => [
            ['OXYSAT', v.spo2, v.ts],
            ['PULSE', v.bpm, v.ts],
          ]);
          expect(observations(out).map((o) => [o.code, o.value, o.deviceTime])).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Masimo ASCII parser in a pipeline', () => {
  it('works with Readable.from and never emits error', async () => {
    const parser = createMasimoParser();
    const out: DriverOutput[] = [];
    const errors: unknown[] = [];
    parser.on('error', (e) => errors.push(e));
    Readable.from([Buffer.from(`${RAD8_1}\r\n\xff\xfe\x00\n`, 'latin1'), Buffer.from('partial')]).pipe(parser);
    for await (const o of parser) out.push(o as DriverOutput);
    expect(errors).toEqual([]);
    expect(out.map((o) => o.kind)).toEqual(['observation', 'observation', 'rejected', 'rejected']);
  });
});
