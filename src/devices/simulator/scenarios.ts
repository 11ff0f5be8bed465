/**
 * Simulated patients for the device simulator: pure functions of elapsed seconds, no I/O, no clock.
 * A scenario is deterministic given its seed: the value at second t depends only on (name, seed,
 * floor(t)), never on call order, so encoders, tests and the simulator agree on what was "sent".
 *
 * Values are already rounded the way the wire carries them (integers; temperature to 0.1 °C), so a
 * round trip through an encoder and a driver gives back exactly the scenario's value.
 */

export const SCENARIO_NAMES = ['normal', 'hypertensive-crisis', 'desaturation', 'sensor-off', 'noisy'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Vitals {
  /** SpO2 %, or null when the sensor is off (the device reports no value). */
  spo2: number | null;
  /** Pulse rate /min, or null when the sensor is off. */
  pulse: number | null;
  /** Respiratory rate /min (multiparameter monitors only). */
  resp?: number;
  /** Cuff blood pressure, mmHg (multiparameter monitors only). */
  sys?: number;
  dia?: number;
  /** Core temperature °C, one decimal (multiparameter monitors only). */
  temp?: number;
  /** The oximeter sensor is off the patient. */
  sensorOff?: boolean;
  /**
   * When present (non-zero), a 32-bit seed from which the encoder derives this second's line noise:
   * garbage bytes and corrupted frames between the valid ones.
   */
  noise?: number;
}

export type Scenario = (elapsedSeconds: number) => Vitals;

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

/** A 32-bit integer hash of (seed, a, b) mapped to [0, 1). */
export function hash01(seed: number, a: number, b: number): number {
  let h = (seed | 0) ^ Math.imul(a | 0, 0x9e3779b1) ^ Math.imul((b | 0) + 0x632be5ab, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** A 32-bit unsigned hash, never 0. */
export function hashU32(seed: number, a: number, b: number): number {
  return Math.floor(hash01(seed, a, b) * 4294967295) + 1;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** Linear ramp from `from` at t0 to `to` at t1, held outside. */
const ramp = (t: number, t0: number, t1: number, from: number, to: number) =>
  t <= t0 ? from : t >= t1 ? to : from + ((to - from) * (t - t0)) / (t1 - t0);

// Channels for the jitter hash, so each vital gets independent noise.
const CH = { spo2: 1, pulse: 2, resp: 3, sys: 4, dia: 5, temp: 6, noise: 7 } as const;

function baseline(seed: number, s: number) {
  /** Integer jitter in [-amp, amp]. */
  const j = (ch: number, amp: number) => Math.floor(hash01(seed, s, ch) * (2 * amp + 1)) - amp;
  return {
    j,
    spo2: clamp(98 + j(CH.spo2, 1), 95, 100),
    pulse: Math.round(72 + 4 * Math.sin((2 * Math.PI * s) / 30)) + j(CH.pulse, 2),
    resp: 15 + j(CH.resp, 1),
    sys: 120 + j(CH.sys, 4),
    dia: 78 + j(CH.dia, 3),
    temp: Math.round((36.8 + j(CH.temp, 1) * 0.1) * 10) / 10,
  };
}

/** The vitals of `name` at `elapsedSeconds` (floored to whole seconds) for `seed`. */
export function scenarioVitals(name: ScenarioName, seed: number, elapsedSeconds: number): Vitals {
  const s = Math.max(0, Math.floor(elapsedSeconds));
  const b = baseline(seed, s);
  switch (name) {
    case 'normal':
      return { spo2: b.spo2, pulse: b.pulse, resp: b.resp, sys: b.sys, dia: b.dia, temp: b.temp };
    case 'hypertensive-crisis': {
      // BP climbs over 40 s from about 135/88 to about 210/128, then stays there.
      const sys = Math.round(ramp(s, 0, 40, 135, 210)) + b.j(CH.sys, 2);
      const dia = Math.round(ramp(s, 0, 40, 88, 128)) + b.j(CH.dia, 2);
      const pulse = Math.round(ramp(s, 0, 40, 88, 108)) + b.j(CH.pulse, 2);
      return { spo2: clamp(97 + b.j(CH.spo2, 1), 94, 100), pulse, resp: 20 + b.j(CH.resp, 2), sys, dia, temp: Math.round((37.2 + b.j(CH.temp, 1) * 0.1) * 10) / 10 };
    }
    case 'desaturation': {
      // SpO2 97 % for 10 s, falls to 82 % by 40 s, holds 10 s, recovers to 95 % by 60 s.
      const curve = s < 50 ? ramp(s, 10, 40, 97, 82) : ramp(s, 50, 60, 82, 95);
      const spo2 = clamp(Math.round(curve) + b.j(CH.spo2, 1), 40, 100);
      const pulse = Math.round(s < 50 ? ramp(s, 10, 40, 76, 112) : ramp(s, 50, 60, 112, 90)) + b.j(CH.pulse, 2);
      const resp = Math.round(s < 50 ? ramp(s, 10, 40, 16, 26) : ramp(s, 50, 60, 26, 18)) + b.j(CH.resp, 1);
      return { spo2, pulse, resp, sys: b.sys + 6, dia: b.dia + 4, temp: b.temp };
    }
    case 'sensor-off': {
      // The probe falls off at 10 s and is put back at 50 s (period 60 s).
      const off = s % 60 >= 10 && s % 60 < 50;
      if (off) return { spo2: null, pulse: null, resp: b.resp, sys: b.sys, dia: b.dia, temp: b.temp, sensorOff: true };
      return { spo2: b.spo2, pulse: b.pulse, resp: b.resp, sys: b.sys, dia: b.dia, temp: b.temp };
    }
    case 'noisy':
      return { spo2: b.spo2, pulse: b.pulse, resp: b.resp, sys: b.sys, dia: b.dia, temp: b.temp, noise: hashU32(seed, s, CH.noise) };
  }
}

/** A scenario as a function of elapsed seconds. */
export function createScenario(name: ScenarioName, seed = 1): Scenario {
  if (!isScenarioName(name)) throw new Error(`unknown scenario ${String(name)} (one of ${SCENARIO_NAMES.join(', ')})`);
  return (t: number) => scenarioVitals(name, seed, t);
}
