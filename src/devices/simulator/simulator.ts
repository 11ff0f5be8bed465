/**
 * Writes simulated device bytes at device timing to a serial port or a TCP peer:
 * Masimo one line a second, Nonin 75 frames a second sent as 3 packets (one every 333 ms),
 * HL7 one ORU^R01 every `intervalSeconds` (default 5). Stoppable; the clock and timers are
 * injectable so tests run without waiting. Ticks are scheduled against the start time (no drift).
 */
import * as net from 'node:net';
import { SerialPort } from 'serialport';
import type { DriverName } from '../types';
import { DEFAULT_SERIAL, encodeHl7, encodeMasimo, encodeNoninPackets, NONIN_PACKETS_PER_SECOND } from './encoders';
import { createScenario, type Scenario, type ScenarioName } from './scenarios';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Where the bytes go. */
export interface ByteSink {
  write(data: Buffer): Promise<void> | void;
  close(): Promise<void>;
}

/** Opens a serial port (9600 8N1) and resolves once it is open. */
export function openSerialSink(path: string, baudRate = 9600): Promise<ByteSink> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((err) => {
      if (err) return reject(err);
      resolve({
        write: (data) =>
          new Promise<void>((res, rej) => {
            port.write(data, (e) => (e ? rej(e) : res()));
          }),
        close: () =>
          new Promise<void>((res) => {
            if (!port.isOpen) return res();
            port.close(() => res());
          }),
      });
    });
  });
}

/** Connects to host:port over TCP; anything the peer sends (HL7 ACKs) is read and dropped. */
export function openTcpSink(host: string, port: number): Promise<ByteSink> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.on('data', () => undefined);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.on('error', () => undefined); // surfaced through write callbacks
      resolve({
        write: (data) =>
          new Promise<void>((res, rej) => {
            socket.write(data, (e) => (e ? rej(e) : res()));
          }),
        close: () =>
          new Promise<void>((res) => {
            if (socket.destroyed) return res();
            socket.end(() => {
              socket.destroy();
              res();
            });
            setTimeout(() => {
              socket.destroy();
              res();
            }, 1000).unref();
          }),
      });
    });
  });
}

export interface SimulatorOptions {
  driver: DriverName;
  scenario: ScenarioName | Scenario;
  seed?: number;
  /** Masimo SN / HL7 OBX-18 (default per driver). */
  serial?: string;
  /** Stop after this many seconds (default: run until stop()). */
  seconds?: number;
  /** HL7 only: one message every this many seconds (default 5). */
  intervalSeconds?: number;
  /** Device clock at elapsed 0 (default: clock.now() at start). */
  startTime?: Date;
  clock?: Clock;
  /** Called when a write fails; the simulator stops. */
  onError?: (err: Error) => void;
}

export interface SimulatorStats {
  writes: number;
  bytes: number;
  /** Seconds of scenario time encoded. */
  seconds: number;
}

export class Simulator {
  readonly stats: SimulatorStats = { writes: 0, bytes: 0, seconds: 0 };
  /** Resolves once stopped (by stop(), by `seconds`, or by a write error) and the sink is closed. */
  readonly done: Promise<void>;
  lastError: Error | null = null;

  private readonly clock: Clock;
  private readonly scenario: Scenario;
  private readonly interval: number;
  private timer: unknown = null;
  private tick = 0;
  private t0 = 0;
  private startTime = new Date(0);
  private stopped = false;
  private started = false;
  private resolveDone!: () => void;
  private noninSecond = -1;
  private noninPackets: Buffer[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sink: ByteSink,
    private readonly options: SimulatorOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.scenario = typeof options.scenario === 'function' ? options.scenario : createScenario(options.scenario, options.seed ?? 1);
    this.interval = Math.max(1, Math.floor(options.intervalSeconds ?? 5));
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Ticks per second: Nonin writes a packet every 1/3 s, the others once a second. */
  private get ticksPerSecond(): number {
    return this.options.driver === 'nonin-2' ? NONIN_PACKETS_PER_SECOND : 1;
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    this.t0 = this.clock.now();
    this.startTime = this.options.startTime ?? new Date(this.t0);
    this.runTick();
    return this;
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer !== null) this.clock.clearTimeout(this.timer);
      this.timer = null;
      await Promise.allSettled([...this.inFlight]);
      try {
        await this.sink.close();
      } catch {
        /* closing is best effort */
      }
      this.resolveDone();
    }
    return this.done;
  }

  private runTick(): void {
    this.timer = null;
    if (this.stopped) return;
    const tps = this.ticksPerSecond;
    const second = Math.floor(this.tick / tps);
    const phase = this.tick % tps;
    if (this.options.seconds !== undefined && second >= this.options.seconds) {
      void this.stop();
      return;
    }
    const bytes = this.bytesFor(second, phase);
    if (phase === tps - 1) this.stats.seconds = second + 1;
    if (bytes) this.write(bytes);
    this.tick += 1;
    const due = this.t0 + (this.tick * 1000) / tps;
    this.timer = this.clock.setTimeout(() => this.runTick(), Math.max(0, due - this.clock.now()));
  }

  private bytesFor(second: number, phase: number): Buffer | null {
    const vitals = phase === 0 || this.noninSecond !== second ? this.scenario(second) : null;
    const time = new Date(this.startTime.getTime() + second * 1000);
    const serial = this.options.serial ?? DEFAULT_SERIAL[this.options.driver];
    switch (this.options.driver) {
      case 'masimo-ascii':
        return encodeMasimo(vitals!, { time, serial });
      case 'nonin-2':
        if (this.noninSecond !== second) {
          this.noninPackets = encodeNoninPackets(vitals!, { time });
          this.noninSecond = second;
        }
        return this.noninPackets[phase];
      case 'hl7-mllp':
        return second % this.interval === 0 ? encodeHl7(vitals!, { time, serial, controlId: `SIM${second}` }) : null;
    }
  }

  private write(bytes: Buffer): void {
    this.stats.writes += 1;
    this.stats.bytes += bytes.length;
    const fail = (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (this.lastError) return;
      this.lastError = e;
      this.options.onError?.(e);
      void this.stop();
    };
    try {
      // Written synchronously (in order, at the tick's time); completion is awaited before close.
      const result = this.sink.write(bytes);
      if (result) {
        const tracked = result.catch(fail).finally(() => this.inFlight.delete(tracked));
        this.inFlight.add(tracked);
      }
    } catch (err) {
      fail(err);
    }
  }
}

export type SimulatorTarget = { kind: 'serial'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Opens the target and starts a simulator on it. */
export async function startSimulator(target: SimulatorTarget, options: SimulatorOptions): Promise<Simulator> {
  const sink = target.kind === 'serial' ? await openSerialSink(target.path) : await openTcpSink(target.host, target.port);
  return new Simulator(sink, options).start();
}
