import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Transform } from 'node:stream';
import { SerialPort } from 'serialport';
import { createHl7Parser } from '../drivers/hl7-mllp';
import { createMasimoParser } from '../drivers/masimo-ascii';
import { createNoninParser } from '../drivers/nonin-2';
import type { DeviceObservation, DriverName, DriverOutput, RejectedFrame, TechnicalEvent } from '../types';
import { parseArgs, UsageError } from './cli';
import { DEFAULT_SERIAL, encodeHl7Message, encodeMasimoLine, encodeNoninPackets, encodeSecond, noisePlan } from './encoders';
import { createScenario, SCENARIO_NAMES, scenarioVitals, type ScenarioName, type Vitals } from './scenarios';
import { Simulator, openTcpSink, type ByteSink, type Clock } from './simulator';

const DRIVERS: DriverName[] = ['masimo-ascii', 'nonin-2', 'hl7-mllp'];
const T0 = new Date(Date.UTC(2016, 1, 22, 22, 47, 45));
const SEED = 7;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function makeParser(driver: DriverName): Transform {
  switch (driver) {
    case 'masimo-ascii':
      return createMasimoParser({ expectedSerial: DEFAULT_SERIAL['masimo-ascii'] });
    case 'nonin-2':
      return createNoninParser();
    case 'hl7-mllp':
      return createHl7Parser({ expectedSerial: DEFAULT_SERIAL['hl7-mllp'] });
  }
}

interface RoundTrip {
  vitals: Vitals[];
  perSecond: DriverOutput[][];
  all: DriverOutput[];
}

/** Encode `seconds` of the scenario, feed each second to the driver, and bucket what comes out. */
async function roundTrip(driver: DriverName, scenario: ScenarioName, seconds = 60, seed = SEED): Promise<RoundTrip> {
  const parser = makeParser(driver);
  const all: DriverOutput[] = [];
  let bucket: DriverOutput[] = [];
  parser.on('data', (o: DriverOutput) => {
    all.push(o);
    bucket.push(o);
  });
  const ended = new Promise<void>((resolve) => parser.on('end', () => resolve()));
  const vitals: Vitals[] = [];
  const perSecond: DriverOutput[][] = [];
  for (let t = 0; t < seconds; t++) {
    const v = scenarioVitals(scenario, seed, t);
    vitals.push(v);
    parser.write(encodeSecond(driver, v, { time: new Date(T0.getTime() + t * 1000), controlId: `C${t}` }));
    await tick();
    await tick();
    perSecond.push(bucket);
    bucket = [];
  }
  parser.end();
  await ended;
  return { vitals, perSecond, all };
}

const obs = (out: DriverOutput[], code?: string) =>
  out.filter((o): o is DeviceObservation => o.kind === 'observation' && (code === undefined || o.code === code));
const rejected = (out: DriverOutput[]) => out.filter((o): o is RejectedFrame => o.kind === 'rejected');
const technical = (out: DriverOutput[], condition?: string) =>
  out.filter((o): o is TechnicalEvent => o.kind === 'technical' && (condition === undefined || o.condition === condition));

// -----------------------------------------------------------------------------------------------
// Scenarios
// -----------------------------------------------------------------------------------------------

describe('scenarios', () => {
  test.each(SCENARIO_NAMES)('%s is deterministic given the seed and plausible', (name) => {
    const a = createScenario(name, 42);
    const b = createScenario(name, 42);
    const c = createScenario(name, 43);
    const seqA = Array.from({ length: 120 }, (_, t) => a(t));
    expect(Array.from({ length: 120 }, (_, t) => b(t))).toEqual(seqA);
    // Order independent: a value depends on t only.
    expect(a(17.9)).toEqual(seqA[17]);
    expect(Array.from({ length: 120 }, (_, t) => c(t))).not.toEqual(seqA);
    for (const v of seqA) {
      if (v.spo2 !== null) expect(v.spo2).toBeGreaterThanOrEqual(40), expect(v.spo2).toBeLessThanOrEqual(100);
      if (v.pulse !== null) expect(v.pulse).toBeGreaterThanOrEqual(30), expect(v.pulse).toBeLessThanOrEqual(200);
      expect(v.sys! > v.dia!).toBe(true);
      expect(Number.isInteger(v.resp)).toBe(true);
      expect(Math.round(v.temp! * 10) / 10).toBe(v.temp);
    }
  });

  test('desaturation reaches SpO2 <= 85 and hypertensive crisis BP > 180/120', () => {
    const desat = Array.from({ length: 60 }, (_, t) => scenarioVitals('desaturation', SEED, t));
    expect(Math.min(...desat.map((v) => v.spo2!))).toBeLessThanOrEqual(85);
    expect(desat[0].spo2).toBeGreaterThanOrEqual(95);
    const crisis = Array.from({ length: 60 }, (_, t) => scenarioVitals('hypertensive-crisis', SEED, t));
    expect(crisis.some((v) => v.sys! > 180 && v.dia! > 120)).toBe(true);
    expect(crisis[0].sys).toBeLessThan(160);
  });

  test('sensor-off drops the sensor and puts it back; noisy carries a noise seed every second', () => {
    const off = Array.from({ length: 60 }, (_, t) => scenarioVitals('sensor-off', SEED, t));
    expect(off.filter((v) => v.sensorOff).length).toBe(40);
    expect(off.filter((v) => v.sensorOff).every((v) => v.spo2 === null && v.pulse === null)).toBe(true);
    expect(off[0].sensorOff).toBeUndefined();
    expect(Array.from({ length: 60 }, (_, t) => scenarioVitals('noisy', SEED, t)).every((v) => (v.noise ?? 0) > 0)).toBe(true);
  });
});

// -----------------------------------------------------------------------------------------------
// Encoders: the wire formats themselves
// -----------------------------------------------------------------------------------------------

describe('encoders', () => {
  const v: Vitals = { spo2: 98, pulse: 97, resp: 16, sys: 121, dia: 79, temp: 36.9 };

  test('Masimo ASCII line', () => {
    expect(encodeMasimoLine(v, { time: T0, serial: '56661' })).toBe(
      '02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=04.30% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800\r\n',
    );
    const off = encodeMasimoLine({ spo2: null, pulse: null, sensorOff: true }, { time: T0 });
    expect(off).toContain('SPO2=---% BPM=--- PI=--.--%');
    expect(off).toMatch(/ EXC=000020\r\n$/);
    expect(encodeMasimoLine({ spo2: 84, pulse: 110 }, { time: T0 })).toContain('ALARM=0012');
  });

  test('Nonin: 3 packets of 25 frames, checksums, SYNC, HR MSB/LSB and SpO2', () => {
    const packets = encodeNoninPackets({ spo2: 97, pulse: 300 }, { time: T0 });
    expect(packets).toHaveLength(3);
    for (const p of packets) {
      expect(p.length).toBe(125);
      for (let f = 0; f < 25; f++) {
        const b = p.subarray(f * 5, f * 5 + 5);
        expect(b[0]).toBe(0x01);
        expect(b[1] & 0x80).toBe(0x80);
        expect(b[1] & 0x01).toBe(f === 0 ? 1 : 0);
        expect(b[4]).toBe((b[0] + b[1] + b[2] + b[3]) & 0xff);
      }
      expect(((p[3] & 0x03) << 7) | (p[8] & 0x7f)).toBe(300);
      expect(p[13] & 0x7f).toBe(97);
      expect(p[18]).toBe(48); // firmware revision
    }
    const off = encodeNoninPackets({ spo2: null, pulse: null, sensorOff: true })[0];
    expect(off[1] & 0x40).toBe(0x40);
    expect(((off[3] & 0x03) << 7) | (off[8] & 0x7f)).toBe(511);
    expect(off[13]).toBe(127);
  });

  test('HL7: MLLP-framed ORU^R01 with OBX for SpO2, pulse, RESP, NIBP and core TEMP, OBX-18 device id', () => {
    const bytes = encodeSecond('hl7-mllp', v, { time: T0, serial: 'MON42' });
    expect(bytes[0]).toBe(0x0b);
    expect([...bytes.subarray(-2)]).toEqual([0x1c, 0x0d]);
    const segs = encodeHl7Message(v, { time: T0, serial: 'MON42' }).split('\r').filter(Boolean);
    expect(segs[0]).toMatch(/^MSH\|\^~\\&\|.*\|20160222224745\+0000\|\|ORU\^R01\^ORU_R01\|/);
    const obx = segs.filter((s) => s.startsWith('OBX|')).map((s) => s.split('|'));
    expect(obx.map((f) => f[3].split('^')[0])).toEqual(['150456', '149530', '151562', '150021', '150022', '150023', '150368']);
    expect(obx.map((f) => f[5])).toEqual(['98', '97', '16', '121', '79', '93', '36.9']);
    expect(obx.every((f) => f[18] === 'MON42^VIGIL_SIM' && f[11] === 'R' && f[14] === '20160222224745+0000')).toBe(true);
    const off = encodeHl7Message({ ...v, spo2: null, pulse: null, sensorOff: true }).split('\r');
    expect(off.filter((s) => s.startsWith('OBX|')).slice(0, 2).map((s) => s.split('|').slice(5, 12))).toEqual([
      ['', '262688^MDC_DIM_PERCENT^MDC', '', '', '', '', 'X'],
      ['', '264864^MDC_DIM_BEAT_PER_MIN^MDC', '', '', '', '', 'X'],
    ]);
  });

  test('noise is deterministic and only present with a noise seed', () => {
    expect(noisePlan(undefined)).toBeNull();
    const noisy = scenarioVitals('noisy', SEED, 3);
    expect(encodeSecond('nonin-2', noisy, { time: T0 })).toEqual(encodeSecond('nonin-2', noisy, { time: T0 }));
    expect(encodeSecond('masimo-ascii', noisy, { time: T0 }).length).toBeGreaterThan(encodeMasimoLine(noisy, { time: T0 }).length);
  });
});

// -----------------------------------------------------------------------------------------------
// Round trip: encoder -> driver
// -----------------------------------------------------------------------------------------------

const CLEAN: ScenarioName[] = ['normal', 'hypertensive-crisis', 'desaturation', 'sensor-off'];
const CASES = DRIVERS.flatMap((d) => CLEAN.map((s) => [d, s] as const));

describe('round trip through the drivers (60 s)', () => {
  test.each(CASES)('%s / %s: no rejects, values equal the scenario', async (driver, scenario) => {
    const { vitals, perSecond, all } = await roundTrip(driver, scenario);
    expect(rejected(all)).toEqual([]);
    vitals.forEach((v, t) => {
      const out = perSecond[t];
      const spo2 = obs(out, 'OXYSAT').map((o) => o.value);
      const pulse = obs(out, 'PULSE').map((o) => o.value);
      const perSecondCount = driver === 'nonin-2' ? 3 : 1;
      if (v.sensorOff) {
        expect(spo2).toEqual([]);
        expect(pulse).toEqual([]);
        if (driver !== 'hl7-mllp') expect(technical(out, 'sensor-off')).toHaveLength(perSecondCount);
      } else {
        expect(spo2).toEqual(Array(perSecondCount).fill(v.spo2));
        expect(pulse).toEqual(Array(perSecondCount).fill(v.pulse));
        expect(technical(out, 'sensor-off')).toEqual([]);
      }
      if (driver === 'hl7-mllp') {
        expect(obs(out, 'SYSBP').map((o) => o.value)).toEqual([v.sys]);
        expect(obs(out, 'DIABP').map((o) => o.value)).toEqual([v.dia]);
        expect(obs(out, 'MAP').map((o) => o.value)).toEqual([Math.round(v.dia! + (v.sys! - v.dia!) / 3)]);
        expect(obs(out, 'RESP').map((o) => o.value)).toEqual([v.resp]);
        expect(obs(out, 'TEMP').map((o) => [o.value, o.bodySite])).toEqual([[v.temp, 'core']]);
      }
    });
    if (scenario === 'sensor-off' && driver === 'hl7-mllp') {
      // HL7 has no sensor-off flag: the monitor sends SpO2 and pulse with result status X (no value).
      const ignored = all.filter((o) => o.kind === 'ignored' && /result status X/.test(o.reason));
      expect(ignored).toHaveLength(2 * vitals.filter((v) => v.sensorOff).length);
    } else if (scenario === 'sensor-off') {
      expect(technical(all, 'sensor-off').length).toBeGreaterThan(0);
      if (driver === 'masimo-ascii') expect(technical(all, 'sensor-off')[0].detail).toContain('0x20');
      if (driver === 'nonin-2') expect(technical(all, 'sensor-off')[0].detail).toContain('0x40');
    }
    if (scenario === 'desaturation') expect(Math.min(...obs(all, 'OXYSAT').map((o) => o.value))).toBeLessThanOrEqual(85);
    if (scenario === 'hypertensive-crisis' && driver === 'hl7-mllp') {
      const sys = obs(all, 'SYSBP').map((o) => o.value);
      const dia = obs(all, 'DIABP').map((o) => o.value);
      expect(sys.some((s, i) => s > 180 && dia[i] > 120)).toBe(true);
    }
  });

  test.each(DRIVERS)('%s / noisy: garbage and corrupted frames are rejected and counted, most seconds recover', async (driver) => {
    const { vitals, perSecond, all } = await roundTrip(driver, 'noisy');
    const plans = vitals.map((v) => noisePlan(v.noise)!);
    const corrupted = plans.filter((p) => p.corrupt).length;
    expect(corrupted).toBeGreaterThan(5); // the scenario really corrupts frames
    let recovered = 0;
    vitals.forEach((v, t) => {
      const spo2 = obs(perSecond[t], 'OXYSAT').map((o) => o.value);
      const pulse = obs(perSecond[t], 'PULSE').map((o) => o.value);
      // Never a wrong value: whatever comes through is the scenario's.
      expect(spo2.every((x) => x === v.spo2)).toBe(true);
      expect(pulse.every((x) => x === v.pulse)).toBe(true);
      if (driver === 'hl7-mllp') {
        expect(obs(perSecond[t], 'TEMP').every((o) => o.value === v.temp)).toBe(true);
        expect(obs(perSecond[t], 'SYSBP').every((o) => o.value === v.sys)).toBe(true);
      }
      if (spo2.length > 0 && pulse.length > 0) recovered += 1;
    });
    const rejects = rejected(all).length;
    if (driver === 'masimo-ascii') {
      // One garbage line every second, plus each corrupted line.
      expect(rejects).toBe(60 + corrupted);
      expect(recovered).toBe(60 - corrupted);
    } else if (driver === 'nonin-2') {
      // Garbage every second, and one packet of three lost per corrupted second: every second recovers.
      expect(rejects).toBeGreaterThanOrEqual(60 + corrupted);
      expect(recovered).toBeGreaterThanOrEqual(57);
      expect(obs(all, 'OXYSAT').length).toBeGreaterThanOrEqual(180 - corrupted - 3);
    } else {
      // Each frame cut short is rejected; a garbage run is rejected unless it fell inside a cut frame.
      expect(rejects).toBeGreaterThanOrEqual(60);
      expect(recovered).toBe(60 - corrupted);
    }
    expect(recovered).toBeGreaterThanOrEqual(40);
  });
});

// -----------------------------------------------------------------------------------------------
// Simulator timing with an injected clock
// -----------------------------------------------------------------------------------------------

class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  get pending() {
    return this.timers.length;
  }
  /** Advance time, firing due timers in order. */
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

class MemorySink implements ByteSink {
  writes: Array<{ at: number; data: Buffer }> = [];
  closed = false;
  constructor(private readonly clock: FakeClock) {}
  write(data: Buffer) {
    this.writes.push({ at: this.clock.now(), data });
  }
  async close() {
    this.closed = true;
  }
}

describe('Simulator', () => {
  const flush = async () => {
    for (let i = 0; i < 3; i++) await tick();
  };

  test('Masimo: one line a second, stops after `seconds` and closes the sink', async () => {
    const clock = new FakeClock();
    const sink = new MemorySink(clock);
    const sim = new Simulator(sink, { driver: 'masimo-ascii', scenario: 'normal', seed: SEED, seconds: 5, clock, startTime: T0 }).start();
    clock.advance(10_000);
    await sim.done;
    await flush();
    expect(sink.writes.map((w) => w.at - 1_000_000)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(sink.writes[1].data.toString('latin1')).toBe(encodeMasimoLine(scenarioVitals('normal', SEED, 1), { time: new Date(T0.getTime() + 1000) }));
    expect(sink.closed).toBe(true);
    expect(clock.pending).toBe(0);
    expect(sim.stats.seconds).toBe(5);
  });

  test('Nonin: 75 frames a second as 3 packets, 333 ms apart; stop() stops', async () => {
    const clock = new FakeClock();
    const sink = new MemorySink(clock);
    const sim = new Simulator(sink, { driver: 'nonin-2', scenario: 'normal', clock }).start();
    clock.advance(1999);
    await flush();
    expect(sink.writes).toHaveLength(6);
    expect(sink.writes.every((w) => w.data.length === 125 && w.data[1] & 0x01)).toBe(true);
    expect(sink.writes.slice(0, 4).map((w) => Math.round(w.at - 1_000_000))).toEqual([0, 333, 667, 1000]);
    await sim.stop();
    clock.advance(5000);
    expect(sink.writes).toHaveLength(6);
    expect(clock.pending).toBe(0);
    expect(sink.closed).toBe(true);
  });

  test('HL7: one message every `intervalSeconds` (default 5)', async () => {
    const clock = new FakeClock();
    const sink = new MemorySink(clock);
    const sim = new Simulator(sink, { driver: 'hl7-mllp', scenario: 'normal', seconds: 12, clock }).start();
    clock.advance(20_000);
    await sim.done;
    expect(sink.writes.map((w) => w.at - 1_000_000)).toEqual([0, 5000, 10000]);
    const sim2 = new Simulator(new MemorySink(clock), { driver: 'hl7-mllp', scenario: 'normal', seconds: 3, intervalSeconds: 1, clock }).start();
    clock.advance(5000);
    await sim2.done;
    expect(sim2.stats.writes).toBe(3);
  });

  test('a failing write stops the simulator and reports the error', async () => {
    const clock = new FakeClock();
    const errors: Error[] = [];
    const sink: ByteSink = { write: () => Promise.reject(new Error('port gone')), close: async () => undefined };
    const sim = new Simulator(sink, { driver: 'masimo-ascii', scenario: 'normal', clock, onError: (e) => errors.push(e) }).start();
    await sim.done;
    expect(errors.map((e) => e.message)).toEqual(['port gone']);
    expect(clock.pending).toBe(0);
  });

  test('over TCP: HL7 frames reach a listener and parse', async () => {
    const server = net.createServer();
    const received: DriverOutput[] = [];
    server.on('connection', (socket) => {
      const parser = createHl7Parser();
      socket.pipe(parser).on('data', (o: DriverOutput) => received.push(o));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const clock = new FakeClock();
      const sink = await openTcpSink('127.0.0.1', port);
      const sim = new Simulator(sink, { driver: 'hl7-mllp', scenario: 'desaturation', seed: SEED, intervalSeconds: 1, seconds: 3, clock }).start();
      clock.advance(5000);
      await sim.done;
      for (let i = 0; i < 50 && obs(received, 'OXYSAT').length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(obs(received, 'OXYSAT').map((o) => o.value)).toEqual([0, 1, 2].map((t) => scenarioVitals('desaturation', SEED, t).spo2));
      expect(rejected(received)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

// -----------------------------------------------------------------------------------------------
// CLI arguments
// -----------------------------------------------------------------------------------------------

describe('cli parseArgs', () => {
  test('accepts a full command line', () => {
    expect(parseArgs(['--driver', 'hl7-mllp', '--tcp', 'localhost:2575', '--scenario', 'hypertensive-crisis', '--serial', 'MON42', '--seconds', '30', '--interval', '10', '--seed', '-3'])).toEqual({
      help: false,
      driver: 'hl7-mllp',
      target: { kind: 'tcp', host: 'localhost', port: 2575 },
      scenario: 'hypertensive-crisis',
      serial: 'MON42',
      seconds: 30,
      intervalSeconds: 10,
      seed: -3,
    });
    expect(parseArgs(['--driver=masimo-ascii', '--port=/tmp/a', '--scenario=normal'])).toMatchObject({ target: { kind: 'serial', path: '/tmp/a' }, intervalSeconds: 5, seed: 1 });
    expect(parseArgs(['--help'])).toEqual({ help: true });
  });

  test.each([
    [[], /--driver is required/],
    [['--driver', 'philips', '--port', '/dev/x', '--scenario', 'normal'], /unknown driver/],
    [['--driver', 'nonin-2', '--scenario', 'normal'], /--port PATH or --tcp/],
    [['--driver', 'nonin-2', '--port', '/dev/x', '--tcp', 'h:1', '--scenario', 'normal'], /not both/],
    [['--driver', 'nonin-2', '--port', '/dev/x'], /--scenario is required/],
    [['--driver', 'nonin-2', '--port', '/dev/x', '--scenario', 'panic'], /unknown scenario/],
    [['--driver', 'hl7-mllp', '--tcp', 'localhost', '--scenario', 'normal'], /HOST:PORT/],
    [['--driver', 'hl7-mllp', '--tcp', 'localhost:70000', '--scenario', 'normal'], /HOST:PORT/],
    [['--driver', 'nonin-2', '--port', '/dev/x', '--scenario', 'normal', '--seconds', '0'], /--seconds must be a positive integer/],
    [['--driver', 'nonin-2', '--port', '/dev/x', '--scenario', 'normal', '--interval', '1.5'], /--interval must be a positive integer/],
    [['--driver', 'nonin-2', '--port', '/dev/x', '--scenario', 'normal', '--seed', 'abc'], /--seed must be an integer/],
    [['--driver', 'masimo-ascii', '--port', '/dev/x', '--scenario', 'normal', '--serial', 'A|B'], /--serial/],
    [['--driver', 'masimo-ascii', '--port', '--scenario', 'normal'], /--port needs a value/],
    [['--driver', 'masimo-ascii', '--port', '/dev/x', '--scenario', 'normal', '--bogus', '1'], /unknown option --bogus/],
    [['--driver', 'masimo-ascii', '--driver', 'nonin-2'], /given twice/],
    [['masimo-ascii'], /unexpected argument/],
  ] as Array<[string[], RegExp]>)('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

// -----------------------------------------------------------------------------------------------
// Integration: a real pty pair from socat
// -----------------------------------------------------------------------------------------------

const hasSocat = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(hasSocat ? describe : describe.skip)('pty integration (socat)', () => {
  let dir: string;
  let socat: ChildProcess | null = null;
  let a: string;
  let b: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sim-'));
    a = path.join(dir, 'a');
    b = path.join(dir, 'b');
    socat = spawn('socat', ['-d', '-d', `PTY,raw,echo=0,link=${a}`, `PTY,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(fs.existsSync(a) && fs.existsSync(b)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(fs.existsSync(a) && fs.existsSync(b))) throw new Error('socat did not create the pty links');
  });

  afterAll(async () => {
    if (socat && socat.exitCode === null) {
      const exited = new Promise((r) => socat!.once('exit', r));
      socat.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Masimo simulator on one end, SerialPort + createMasimoParser on the other', async () => {
    const reader = new SerialPort({ path: b, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => reader.open((e) => (e ? reject(e) : resolve())));
    const parser = createMasimoParser({ expectedSerial: '1234' });
    const out: DriverOutput[] = [];
    reader.pipe(parser).on('data', (o: DriverOutput) => out.push(o));
    try {
      const { openSerialSink } = await import('./simulator');
      const sink = await openSerialSink(a);
      const sim = new Simulator(sink, { driver: 'masimo-ascii', scenario: 'normal', seed: SEED, serial: '1234', seconds: 3 }).start();
      await sim.done;
      for (let i = 0; i < 40 && obs(out).length < 6; i++) await new Promise((r) => setTimeout(r, 50));
      expect(obs(out).length).toBeGreaterThanOrEqual(2);
      expect(obs(out, 'OXYSAT')[0].value).toBe(scenarioVitals('normal', SEED, 0).spo2);
      expect(rejected(out)).toEqual([]);
    } finally {
      reader.unpipe(parser);
      await new Promise<void>((resolve) => (reader.isOpen ? reader.close(() => resolve()) : resolve()));
    }
  }, 15000);
});
