import { MockBinding } from '@serialport/binding-mock';
import fc from 'fast-check';
import { ByteLengthParser, SerialPortMock } from 'serialport';
import { checkValue } from '../../protocols/vital-signs';
import type { DeviceObservation, DriverOutput, RejectedFrame, TechnicalEvent } from '../types';
import { createNoninParser, NoninParser, REASON_PACKET_CUT_SHORT } from './nonin-2';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const hex = (s: string): Buffer => Buffer.from(s.replace(/[^0-9a-fA-F]/g, ''), 'hex');

/** One frame with its checksum. */
const frame = (status: number, pleth: number, data: number): Buffer =>
  Buffer.from([0x01, status & 0xff, pleth & 0xff, data & 0xff, (0x01 + status + pleth + data) & 0xff]);

/** The public unit-test packet of DEVICES.md (HR 72, SpO2 97, firmware revision 48). */
const PUBLIC_FRAMES: string[] = [
  '01 81 01 00 83', // 1 HR MSB, SYNC
  '01 80 01 48 CA', // 2 HR LSB
  '01 80 01 61 E3', // 3 SpO2
  '01 80 01 30 B2', // 4 firmware revision
  ...Array(4).fill('01 80 01 00 82'), // 5-8
  ...Array(3).fill('01 80 01 61 E3'), // 9-11
  ...Array(3).fill('01 80 01 00 82'), // 12-14
  '01 80 01 48 CA', // 15
  ...Array(2).fill('01 80 01 61 E3'), // 16-17
  ...Array(3).fill('01 80 01 00 82'), // 18-20
  '01 80 01 48 CA', // 21
  '01 80 01 00 82', // 22
  '01 80 01 48 CA', // 23
  ...Array(2).fill('01 80 01 00 82'), // 24-25
];
const PUBLIC_PACKET = Buffer.concat(PUBLIC_FRAMES.map(hex));

interface PacketSpec {
  hr?: number;
  spo2?: number;
  firmware?: number;
  stat2?: number;
  /** STATUS of every frame (bit 7 and SYNC are added). */
  status?: number;
  /** STATUS overrides by frame number (1-based; bit 7 and SYNC on frame 1 are added). */
  statusOf?: Record<number, number>;
  pleth?: (n: number) => number;
}

/** A valid 25-frame packet. */
function packet(spec: PacketSpec = {}): Buffer {
  const { hr = 72, spo2 = 97, firmware = 48, stat2 = 0, status = 0 } = spec;
  const frames: Buffer[] = [];
  for (let n = 1; n <= 25; n++) {
    let data = 0;
    if (n === 1) data = (hr >> 7) & 0x03;
    else if (n === 2) data = hr & 0x7f;
    else if (n === 3) data = spo2 & 0x7f;
    else if (n === 4) data = firmware;
    else if (n === 8) data = stat2;
    const st = 0x80 | (spec.statusOf?.[n] ?? status) | (n === 1 ? 0x01 : 0);
    frames.push(frame(st, spec.pleth ? spec.pleth(n) : 0x01, data));
  }
  return Buffer.concat(frames);
}

/** Write chunks into a fresh parser, end it, and collect everything it emits. */
async function run(chunks: Buffer | Buffer[], parser: NoninParser = createNoninParser()): Promise<DriverOutput[]> {
  const out: DriverOutput[] = [];
  parser.on('data', (o: DriverOutput) => out.push(o));
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  for (const c of Array.isArray(chunks) ? chunks : [chunks]) parser.write(c);
  parser.end();
  await ended;
  return out;
}

const observations = (out: DriverOutput[]) => out.filter((o): o is DeviceObservation => o.kind === 'observation');
const rejected = (out: DriverOutput[]) => out.filter((o): o is RejectedFrame => o.kind === 'rejected');
const technical = (out: DriverOutput[]) => out.filter((o): o is TechnicalEvent => o.kind === 'technical');
/** [PULSE, OXYSAT] pairs, in order. */
const readings = (out: DriverOutput[]) => observations(out).map((o) => `${o.code}=${o.value}`);
const pair = (hr: number, spo2: number) => [`PULSE=${hr}`, `OXYSAT=${spo2}`];

/** Split a buffer into chunks of the given sizes (cycled). */
function split(buf: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < buf.length) {
    const n = Math.max(1, sizes.length ? sizes[k++ % sizes.length] : buf.length);
    chunks.push(buf.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// The public packet and its negative cases
// ---------------------------------------------------------------------------------------------

describe('Nonin Data Format #2 parser', () => {
  it('decodes the public test packet: HR 72, SpO2 97, firmware revision 48', async () => {
    expect(PUBLIC_PACKET).toHaveLength(125);
    const parser = createNoninParser();
    const out = await run(PUBLIC_PACKET, parser);
    expect(out).toEqual([
      { kind: 'observation', code: 'PULSE', value: 72, unit: '/min', deviceTime: null, quality: {}, source: 'oximeter' },
      { kind: 'observation', code: 'OXYSAT', value: 97, unit: '%', deviceTime: null, quality: {} },
    ]);
    expect(parser.firmwareRevision).toBe(48);
    expect(parser.stats).toEqual({ frames: 25, packets: 1, orphanFrames: 0, skippedBytes: 0 });
  });

  it('the packet builder reproduces the public packet byte for byte', () => {
    const p = packet({ hr: 72, spo2: 97, firmware: 48 });
    // frames 1-4 identical; the rest differ only in the (reserved/undocumented) DATA bytes
    expect(p.subarray(0, 20)).toEqual(PUBLIC_PACKET.subarray(0, 20));
  });

  it('frame 2 checksum CB is a framing error: that packet is lost, the next one recovered', async () => {
    const bad = Buffer.from(PUBLIC_PACKET);
    expect(bad[9]).toBe(0xca);
    bad[9] = 0xcb;
    const next = packet({ hr: 80, spo2: 95 });
    const out = await run(Buffer.concat([bad, next]));
    expect(readings(out)).toEqual(pair(80, 95));
    const rej = rejected(out);
    expect(rej).toHaveLength(1); // one framing error; the orphan frames of the lost packet are not re-counted
    expect(rej[0].reason).toMatch(/^framing error: bad checksum \(0xCB, expected 0xCA\); 5 bytes skipped; packet in progress dropped after 1 of 25 frames$/);
    expect(rej[0].raw).toBe('01 80 01 48 CB');
  });

  it('a status byte 7F (bit 7 clear) is a framing error', async () => {
    const bad = Buffer.from(PUBLIC_PACKET);
    // frame 4: 01 80 01 30 B2 -> 01 7F 01 30 B1 (checksum kept valid, so only bit 7 fails)
    bad[16] = 0x7f;
    bad[19] = (0x01 + 0x7f + 0x01 + 0x30) & 0xff;
    const out = await run(Buffer.concat([bad, PUBLIC_PACKET]));
    expect(readings(out)).toEqual(pair(72, 97));
    const rej = rejected(out);
    expect(rej).toHaveLength(1);
    expect(rej[0].reason).toMatch(/^framing error: status bit 7 clear \(status 0x7F\)/);
    expect(rej[0].raw.startsWith('01 7F 01 30 B1')).toBe(true);
  });

  it('status 7F with the original checksum is also a framing error', async () => {
    const bad = Buffer.from(PUBLIC_PACKET);
    bad[6] = 0x7f; // frame 2 status
    const out = await run(Buffer.concat([PUBLIC_PACKET, bad, PUBLIC_PACKET]));
    expect(readings(out)).toEqual([...pair(72, 97), ...pair(72, 97)]);
    expect(rejected(out)).toHaveLength(1);
    expect(rejected(out)[0].reason).toMatch(/status bit 7 clear/);
  });

  // -------------------------------------------------------------------------------------------
  // Resynchronisation
  // -------------------------------------------------------------------------------------------

  it('one byte dropped anywhere in a packet loses only that packet (every position)', async () => {
    const p1 = packet({ hr: 61, spo2: 91 });
    const p2 = packet({ hr: 62, spo2: 92 });
    const p3 = packet({ hr: 63, spo2: 93 });
    for (let pos = 0; pos < p2.length; pos++) {
      const damaged = Buffer.concat([p2.subarray(0, pos), p2.subarray(pos + 1)]);
      const out = await run(Buffer.concat([p1, damaged, p3]));
      expect({ pos, r: readings(out) }).toEqual({ pos, r: [...pair(61, 91), ...pair(63, 93)] });
      expect(rejected(out).length).toBeGreaterThanOrEqual(1);
      expect(rejected(out).length).toBeLessThanOrEqual(2);
    }
  });

  it('one byte corrupted anywhere in a packet loses only that packet (every position)', async () => {
    const p1 = packet({ hr: 61, spo2: 91 });
    const p2 = packet({ hr: 62, spo2: 92 });
    const p3 = packet({ hr: 63, spo2: 93 });
    for (let pos = 0; pos < p2.length; pos++) {
      const damaged = Buffer.from(p2);
      damaged[pos] ^= 0x5a;
      const out = await run(Buffer.concat([p1, damaged, p3]));
      expect({ pos, r: readings(out) }).toEqual({ pos, r: [...pair(61, 91), ...pair(63, 93)] });
    }
  });

  it('one byte inserted in a packet loses only that packet', async () => {
    const p1 = packet({ hr: 61, spo2: 91 });
    const p2 = packet({ hr: 62, spo2: 92 });
    const p3 = packet({ hr: 63, spo2: 93 });
    for (let pos = 1; pos < p2.length; pos += 7) {
      const damaged = Buffer.concat([p2.subarray(0, pos), Buffer.from([0x55]), p2.subarray(pos)]);
      const out = await run(Buffer.concat([p1, damaged, p3]));
      expect(readings(out)).toEqual([...pair(61, 91), ...pair(63, 93)]);
    }
  });

  it('a fixed 5-byte splitter cannot recover from one lost byte (why the parser resynchronises)', async () => {
    const p2 = packet({ hr: 62, spo2: 92 });
    const p3 = packet({ hr: 63, spo2: 93 });
    const stream = Buffer.concat([p2.subarray(0, 11), p2.subarray(12), p3]);
    const splitter = new ByteLengthParser({ length: 5 });
    const frames: Buffer[] = [];
    splitter.on('data', (f: Buffer) => frames.push(f));
    splitter.write(stream);
    splitter.end();
    const valid = frames.filter((f) => f.length === 5 && f[0] === 0x01 && f[1] & 0x80 && f[4] === ((f[0] + f[1] + f[2] + f[3]) & 0xff));
    // only the 2 frames before the lost byte are valid: misaligned for good, packet 3 is lost too
    expect(valid).toEqual([p2.subarray(0, 5), p2.subarray(5, 10)]);
    expect(readings(await run(stream))).toEqual(pair(63, 93)); // the resynchronising parser keeps it
  });

  it('a packet cut short by a new SYNC is rejected as "packet cut short"', async () => {
    const short = packet({ hr: 70, spo2: 90 }).subarray(0, 10 * 5);
    const out = await run(Buffer.concat([short, packet({ hr: 75, spo2: 96 })]));
    expect(readings(out)).toEqual(pair(75, 96));
    const rej = rejected(out);
    expect(rej).toHaveLength(1);
    expect(rej[0].reason).toBe(REASON_PACKET_CUT_SHORT);
    expect(rej[0].raw).toBe(
      Array.from(short, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '),
    );
  });

  it('joining the stream mid-packet: frames before the first SYNC are discarded, not rejected', async () => {
    const p = packet({ hr: 66, spo2: 94 });
    const parser = createNoninParser();
    const out = await run(Buffer.concat([p.subarray(5 * 12), packet({ hr: 67, spo2: 95 })]), parser);
    expect(readings(out)).toEqual(pair(67, 95));
    expect(rejected(out)).toHaveLength(0);
    expect(parser.stats.orphanFrames).toBe(13);
  });

  it('joining mid-frame: the partial frame is one framing error', async () => {
    const p = packet({ hr: 66, spo2: 94 });
    const out = await run(Buffer.concat([p.subarray(5 * 24 + 2), packet({ hr: 67, spo2: 95 })]));
    expect(readings(out)).toEqual(pair(67, 95));
    expect(rejected(out)).toHaveLength(1);
    expect(rejected(out)[0].reason).toMatch(/3 bytes skipped/);
  });

  it('coalesces a run of garbage into one rejected item when resync succeeds', async () => {
    const garbage = Buffer.alloc(100, 0x55);
    const out = await run(Buffer.concat([packet({ hr: 70, spo2: 98 }), garbage, packet({ hr: 71, spo2: 99 })]));
    expect(readings(out)).toEqual([...pair(70, 98), ...pair(71, 99)]);
    const rej = rejected(out);
    expect(rej).toHaveLength(1);
    expect(rej[0].reason).toMatch(/^framing error: no frame start \(0x55 instead of 0x01\); 100 bytes skipped$/);
    expect(rej[0].raw).toMatch(/^(55 ){63}55 …\(\+36 bytes\)$/); // raw capped at 64 bytes
  });

  it('buffering is bounded: a long run of garbage is reported in bounded pieces', async () => {
    const parser = createNoninParser();
    const garbage = Buffer.alloc(100_000, 0x80);
    const out = await run([...split(garbage, [4096]), packet()], parser);
    const rej = rejected(out);
    expect(rej.length).toBeGreaterThan(1);
    expect(rej.length).toBeLessThanOrEqual(Math.ceil(100_000 / 1024) + 1);
    expect(rej.every((r) => r.raw.length < 300)).toBe(true);
    expect(readings(out)).toEqual(pair(72, 97));
    expect(parser.stats.skippedBytes).toBe(100_000);
  });

  it('on end of stream, a partial frame is a framing error that drops the packet, a partial packet is "packet cut short"', async () => {
    const p = packet();
    const out = await run(p.subarray(0, 5 * 7 + 3));
    expect(observations(out)).toHaveLength(0);
    const reasons = rejected(out).map((r) => r.reason);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^framing error: incomplete frame \(stream ended\); 3 bytes skipped; packet in progress dropped after 7 of 25 frames$/);
    // the framing error already dropped the packet; nothing is counted twice
    const out2 = await run(p.subarray(0, 5 * 7));
    expect(rejected(out2).map((r) => r.reason)).toEqual([REASON_PACKET_CUT_SHORT]);
  });

  it('reset() flushes partial frames and packets (for a reconnect)', async () => {
    const parser = createNoninParser();
    const out: DriverOutput[] = [];
    parser.on('data', (o: DriverOutput) => out.push(o));
    parser.write(packet().subarray(0, 5 * 7));
    parser.reset();
    parser.write(packet({ hr: 90, spo2: 99 }));
    parser.end();
    await new Promise((r) => parser.on('end', r));
    expect(rejected(out).map((r) => r.reason)).toEqual([REASON_PACKET_CUT_SHORT]);
    expect(readings(out)).toEqual(pair(90, 99));
  });

  it('accepts strings and Uint8Array chunks and never throws on odd input', async () => {
    const parser = createNoninParser();
    const out: DriverOutput[] = [];
    parser.on('data', (o: DriverOutput) => out.push(o));
    parser.write(PUBLIC_PACKET.toString('latin1'), 'latin1');
    parser.write(new Uint8Array(PUBLIC_PACKET));
    parser.end();
    await new Promise((r) => parser.on('end', r));
    expect(readings(out)).toEqual([...pair(72, 97), ...pair(72, 97)]);
  });

  // -------------------------------------------------------------------------------------------
  // Values
  // -------------------------------------------------------------------------------------------

  it('HR 511 and SpO2 127 are "no reading": no observation and no rejection', async () => {
    const out = await run(Buffer.concat([packet({ hr: 511, spo2: 127 }), packet({ hr: 511, spo2: 96 }), packet({ hr: 88, spo2: 127 })]));
    expect(readings(out)).toEqual(['OXYSAT=96', 'PULSE=88']);
    expect(rejected(out)).toHaveLength(0);
  });

  it('decodes the HR MSB bits (HR above 127)', async () => {
    const out = await run(Buffer.concat([packet({ hr: 128, spo2: 99 }), packet({ hr: 255, spo2: 100 }), packet({ hr: 300, spo2: 40 })]));
    expect(readings(out)).toEqual([...pair(128, 99), ...pair(255, 100), ...pair(300, 40)]);
  });

  it('ignores the bits of the HR MSB above bit 1 and of HR LSB / SpO2 above bit 6', async () => {
    const p = packet({ hr: 72, spo2: 97 });
    const set = (frameNo: number, data: number) => {
      const at = (frameNo - 1) * 5;
      p[at + 3] = data;
      p[at + 4] = (p[at] + p[at + 1] + p[at + 2] + p[at + 3]) & 0xff;
    };
    set(1, 0xfc | 0x00); // MSB: only bits 0-1 count
    set(2, 0x80 | 72);
    set(3, 0x80 | 97);
    expect(readings(await run(p))).toEqual(pair(72, 97));
  });

  it('values outside the plausibility limits are rejected with the checkValue reason, never observed', async () => {
    const out = await run(Buffer.concat([packet({ hr: 0, spo2: 0 }), packet({ hr: 400, spo2: 120 }), packet({ hr: 19, spo2: 39 })]));
    expect(observations(out)).toHaveLength(0);
    const rej = rejected(out);
    expect(rej.map((r) => r.reason)).toEqual([
      checkValue('PULSE', 0, '/min'),
      checkValue('OXYSAT', 0, '%'),
      checkValue('PULSE', 400, '/min'),
      checkValue('OXYSAT', 120, '%'),
      checkValue('PULSE', 19, '/min'),
      checkValue('OXYSAT', 39, '%'),
    ]);
    expect(rej.every((r) => r.raw.split(' ').length === 125)).toBe(true); // the packet, in hex
  });

  // -------------------------------------------------------------------------------------------
  // Status bits
  // -------------------------------------------------------------------------------------------

  it('0x40 sensor disconnected: technical sensor-off (medium); its values are not observations', async () => {
    const out = await run(packet({ statusOf: { 5: 0x40 } }));
    expect(technical(out)).toEqual([expect.objectContaining({ kind: 'technical', condition: 'sensor-off', priority: 'medium' })]);
    expect(observations(out)).toHaveLength(0);
    expect(rejected(out).map((r) => r.reason)).toEqual([
      'PULSE 72 /min: sensor disconnected (status 0x40)',
      'OXYSAT 97 %: sensor disconnected (status 0x40)',
    ]);
    // the usual sensor-off packet carries no reading at all: only the technical event
    const out2 = await run(packet({ status: 0x40, hr: 511, spo2: 127 }));
    expect(out2).toEqual([expect.objectContaining({ condition: 'sensor-off' })]);
  });

  it('0x08 sensor alarm: technical sensor-alarm (medium); the values are rejected, not observed', async () => {
    const out = await run(packet({ statusOf: { 12: 0x08 } }));
    expect(technical(out)).toEqual([expect.objectContaining({ condition: 'sensor-alarm', priority: 'medium' })]);
    expect(observations(out)).toHaveLength(0);
    const rej = rejected(out);
    expect(rej).toHaveLength(2);
    expect(rej.every((r) => /sensor alarm/.test(r.reason))).toBe(true);
    expect(rej[0].reason).toMatch(/^PULSE 72/);
    expect(rej[1].reason).toMatch(/^OXYSAT 97/);
  });

  it('0x20 artifact marks the quality', async () => {
    const out = await run(packet({ statusOf: { 3: 0x20 } }));
    expect(observations(out).map((o) => o.quality)).toEqual([{ artifact: true }, { artifact: true }]);
    expect(technical(out)).toHaveLength(0);
  });

  it('0x10 out of track marks the quality', async () => {
    const out = await run(packet({ statusOf: { 20: 0x10 } }));
    expect(observations(out).map((o) => o.quality)).toEqual([{ outOfTrack: true }, { outOfTrack: true }]);
  });

  it.each([
    [0x04, 'red'],
    [0x02, 'green'],
    [0x06, 'yellow'],
  ] as const)('perfusion bits %p -> %s', async (bits, colour) => {
    const out = await run(packet({ status: bits }));
    expect(observations(out).map((o) => o.quality.perfusion)).toEqual([colour, colour]);
  });

  it('perfusion: the worst colour of the packet wins', async () => {
    const out1 = await run(packet({ status: 0x02, statusOf: { 9: 0x06 } }));
    expect(observations(out1)[0].quality.perfusion).toBe('yellow');
    const out2 = await run(packet({ status: 0x02, statusOf: { 9: 0x06, 10: 0x04 } }));
    expect(observations(out2)[0].quality.perfusion).toBe('red');
  });

  it('several quality flags combine', async () => {
    const out = await run(packet({ status: 0x02, statusOf: { 2: 0x30 | 0x04 } }));
    expect(observations(out)[0].quality).toEqual({ artifact: true, outOfTrack: true, perfusion: 'red' });
  });

  it('STAT2 (frame 8) 0x01: technical low-battery (low); values still observed', async () => {
    const out = await run(packet({ stat2: 0x01 }));
    expect(technical(out)).toEqual([expect.objectContaining({ condition: 'low-battery', priority: 'low' })]);
    expect(readings(out)).toEqual(pair(72, 97));
    expect(technical(await run(packet({ stat2: 0xfe })))).toHaveLength(0);
  });

  it('firmware revision follows the last complete packet', async () => {
    const parser = createNoninParser();
    expect(parser.firmwareRevision).toBeNull();
    await run(Buffer.concat([packet({ firmware: 48 }), packet({ firmware: 51 })]), parser);
    expect(parser.firmwareRevision).toBe(51);
  });

  // -------------------------------------------------------------------------------------------
  // A real-rate stream
  // -------------------------------------------------------------------------------------------

  it('parses a stream of 3 packets a second over 20 seconds completely', async () => {
    const expected: string[] = [];
    const packets: Buffer[] = [];
    for (let k = 0; k < 60; k++) {
      const hr = 40 + ((k * 7) % 200);
      const spo2 = 80 + (k % 21);
      expected.push(...pair(hr, spo2));
      packets.push(packet({ hr, spo2, pleth: (n) => (n * 37 + k) & 0xff, status: k % 3 === 0 ? 0x02 : 0x06 }));
    }
    const parser = createNoninParser();
    const out = await run(split(Buffer.concat(packets), [7, 1, 13, 64, 2]), parser);
    expect(readings(out)).toEqual(expected);
    expect(rejected(out)).toHaveLength(0);
    expect(parser.stats).toEqual({ frames: 1500, packets: 60, orphanFrames: 0, skippedBytes: 0 });
  });

  // -------------------------------------------------------------------------------------------
  // Through a (mock) serial port: fragmented reads
  // -------------------------------------------------------------------------------------------

  describe('through SerialPortMock', () => {
    afterEach(() => MockBinding.reset());

    async function throughPort(maxReadSize: number, stream: Buffer, expectedObservations: number) {
      MockBinding.createPort('/dev/fake', { echo: false, record: false, maxReadSize });
      const port = new SerialPortMock({ path: '/dev/fake', baudRate: 9600 });
      await new Promise<void>((resolve, reject) => {
        port.on('open', () => resolve());
        port.on('error', reject);
      });
      const parser = createNoninParser();
      const out: DriverOutput[] = [];
      const readSizes: number[] = [];
      port.on('data', (c: Buffer) => readSizes.push(c.length));
      port.pipe(parser);
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout: ${observations(out).length} observations`)), 20_000);
        parser.on('data', (o: DriverOutput) => {
          out.push(o);
          if (observations(out).length >= expectedObservations) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      port.port!.emitData(stream);
      await done;
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return { out, readSizes };
    }

    it.each([3, 1])('maxReadSize %p: packets with a framing error in between are all recovered', async (maxReadSize) => {
      const bad = Buffer.from(PUBLIC_PACKET);
      bad[9] = 0xcb;
      const dropped = packet({ hr: 99, spo2: 99 });
      const stream = Buffer.concat([
        packet({ hr: 60, spo2: 90 }),
        bad,
        packet({ hr: 61, spo2: 91 }),
        Buffer.concat([dropped.subarray(0, 40), dropped.subarray(41)]),
        packet({ hr: 62, spo2: 92 }),
        Buffer.from([0x55, 0x01, 0x80]),
        packet({ hr: 63, spo2: 93 }),
      ]);
      const { out, readSizes } = await throughPort(maxReadSize, stream, 8);
      expect(Math.max(...readSizes)).toBeLessThanOrEqual(maxReadSize);
      expect(readSizes.reduce((a, b) => a + b, 0)).toBe(stream.length);
      expect(readings(out)).toEqual([...pair(60, 90), ...pair(61, 91), ...pair(62, 92), ...pair(63, 93)]);
      expect(rejected(out).length).toBeGreaterThanOrEqual(3);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Properties
  // -------------------------------------------------------------------------------------------

  describe('properties', () => {
    const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 });

    function assertOutputsSane(out: DriverOutput[]) {
      for (const o of out) {
        expect(['observation', 'technical', 'rejected']).toContain(o.kind);
        if (o.kind === 'observation') {
          expect(['PULSE', 'OXYSAT']).toContain(o.code);
          expect(checkValue(o.code, o.value, o.unit)).toBeUndefined();
          expect(o.deviceTime).toBeNull();
        }
      }
    }

    it('arbitrary bytes, arbitrarily fragmented, never throw and never yield an out-of-range observation', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), chunkSizes, async (bytes, sizes) => {
          const out = await run(split(Buffer.from(bytes), sizes));
          assertOutputsSane(out);
        }),
        { numRuns: 200 },
      );
    });

    const arbitraryFrame = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
      .map(([st, pl, d]) => frame(st | 0x80, pl, d));

    it('arbitrary valid frames (any status, any data, random damage) never yield an out-of-range observation', async () => {
      const packetish = fc
        .tuple(
          fc.array(arbitraryFrame, { minLength: 24, maxLength: 24 }),
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 0, max: 255 }),
        )
        .map(([rest, st, pl, d]) => Buffer.concat([frame(st | 0x81, pl, d), ...rest]));
      await fc.assert(
        fc.asyncProperty(
          fc.array(packetish, { minLength: 1, maxLength: 6 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
          chunkSizes,
          async (packets, damage, sizes) => {
            const stream = Buffer.concat(packets);
            for (const [at, v] of damage) stream[at % stream.length] = v;
            const out = await run(split(stream, sizes));
            assertOutputsSane(out);
          },
        ),
        { numRuns: 200 },
      );
    });

    const validPacket = fc
      .record({
        hr: fc.integer({ min: 30, max: 250 }),
        spo2: fc.integer({ min: 50, max: 100 }),
        firmware: fc.integer({ min: 0, max: 255 }),
        status: fc.constantFrom(0x00, 0x02, 0x04, 0x06, 0x20, 0x10),
        plethSeed: fc.integer({ min: 0, max: 255 }),
      })
      .map((r) => ({ ...r, bytes: packet({ ...r, pleth: (n) => (n * 53 + r.plethSeed) & 0xff }) }));

    it('valid packets embedded in noise without 0x01 bytes are all recovered, in order', async () => {
      const noise = fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a.filter((b) => b !== 0x01)));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(noise, validPacket), { minLength: 1, maxLength: 8 }), noise, chunkSizes, async (items, tail, sizes) => {
          const stream = Buffer.concat([...items.flatMap(([n, p]) => [n, p.bytes]), tail]);
          const out = await run(split(stream, sizes));
          assertOutputsSane(out);
          expect(readings(out)).toEqual(items.flatMap(([, p]) => pair(p.hr, p.spo2)));
          // every non-empty noise gap is at most one rejected item
          const gaps = items.filter(([n]) => n.length > 0).length + (tail.length > 0 ? 1 : 0);
          expect(rejected(out).length).toBeLessThanOrEqual(gaps);
        }),
        { numRuns: 300 },
      );
    });

    it('valid packets in arbitrary noise: every packet no accidental frame can overlap is recovered', async () => {
      // An accidental frame can swallow the start of a packet only if it begins in the last 4
      // bytes of the noise before it, and every frame begins with 0x01.
      const noise = fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(noise, validPacket), { minLength: 1, maxLength: 8 }), noise, chunkSizes, async (items, tail, sizes) => {
          const stream = Buffer.concat([...items.flatMap(([n, p]) => [n, p.bytes]), tail]);
          const out = await run(split(stream, sizes));
          assertOutputsSane(out);
          const got = readings(out);
          const all = items.map(([, p]) => pair(p.hr, p.spo2).join(','));
          const guaranteed = items.filter(([n]) => !n.subarray(Math.max(0, n.length - 4)).includes(0x01)).map(([, p]) => pair(p.hr, p.spo2).join(','));
          // observations come in PULSE/OXYSAT pairs of the packets sent
          expect(got.length % 2).toBe(0);
          const gotPackets: string[] = [];
          for (let i = 0; i < got.length; i += 2) gotPackets.push(`${got[i]},${got[i + 1]}`);
          expect(isSubsequence(gotPackets, all)).toBe(true);
          expect(isSubsequence(guaranteed, gotPackets)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  });
});

function isSubsequence(sub: string[], of: string[]): boolean {
  let j = 0;
  for (const x of of) if (j < sub.length && sub[j] === x) j++;
  return j === sub.length;
}
