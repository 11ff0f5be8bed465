/**
 * Device simulator command line:
 *   npm run simulate -- --driver masimo-ascii --port /tmp/vigil-b --scenario desaturation
 * Exit codes: 0 done, 1 runtime failure (port or connection), 2 bad arguments.
 */
import type { DriverName } from '../types';
import { SCENARIO_NAMES, isScenarioName, type ScenarioName } from './scenarios';
import { startSimulator, type SimulatorTarget } from './simulator';

export const DRIVERS: readonly DriverName[] = ['masimo-ascii', 'nonin-2', 'hl7-mllp'];

export const USAGE = `Usage: simulate --driver ${DRIVERS.join('|')} (--port PATH | --tcp HOST:PORT) --scenario ${SCENARIO_NAMES.join('|')}
                [--serial SN] [--seconds N] [--interval S] [--seed N]

  --driver    wire format to send
  --port      serial device path (9600 8N1), e.g. one end of a socat pty pair
  --tcp       connect to HOST:PORT over TCP instead (HL7 monitors: port 2575 is customary)
  --scenario  simulated patient
  --serial    Masimo SN / HL7 OBX-18 device id (letters and digits, up to 32)
  --seconds   stop after N seconds (default: run until Ctrl-C)
  --interval  HL7 only: one ORU^R01 every S seconds (default 5)
  --seed      integer seed of the scenario (default 1)
  --help      show this message`;

export class UsageError extends Error {}

export interface CliOptions {
  driver: DriverName;
  target: SimulatorTarget;
  scenario: ScenarioName;
  serial?: string;
  seconds?: number;
  intervalSeconds: number;
  seed: number;
}

export type ParseResult = { help: true } | ({ help: false } & CliOptions);

const KNOWN = new Set(['driver', 'port', 'tcp', 'scenario', 'serial', 'seconds', 'interval', 'seed']);

function positiveInt(name: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${name} must be a positive integer, not "${raw}"`);
  return Number(raw);
}

/** Parse argv (without node and script). Throws UsageError on bad input. Pure. */
export function parseArgs(argv: readonly string[]): ParseResult {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!KNOWN.has(name)) throw new UsageError(`unknown option --${name}`);
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i += 1;
    }
    if (value === '') throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }

  const driver = values.get('driver');
  if (driver === undefined) throw new UsageError('--driver is required');
  if (!(DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`unknown driver "${driver}" (one of ${DRIVERS.join(', ')})`);

  const scenario = values.get('scenario');
  if (scenario === undefined) throw new UsageError('--scenario is required');
  if (!isScenarioName(scenario)) throw new UsageError(`unknown scenario "${scenario}" (one of ${SCENARIO_NAMES.join(', ')})`);

  const port = values.get('port');
  const tcp = values.get('tcp');
  if (port !== undefined && tcp !== undefined) throw new UsageError('give either --port or --tcp, not both');
  let target: SimulatorTarget;
  if (port !== undefined) {
    target = { kind: 'serial', path: port };
  } else if (tcp !== undefined) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(tcp);
    const portNumber = m ? Number(m[2]) : NaN;
    if (!m || portNumber < 1 || portNumber > 65535) throw new UsageError(`--tcp must be HOST:PORT with a port 1-65535, not "${tcp}"`);
    target = { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: portNumber };
  } else {
    throw new UsageError('one of --port PATH or --tcp HOST:PORT is required');
  }

  const serial = values.get('serial');
  if (serial !== undefined && !/^[0-9A-Za-z]{1,32}$/.test(serial)) throw new UsageError(`--serial must be 1-32 letters or digits, not "${serial}"`);

  const seconds = values.has('seconds') ? positiveInt('seconds', values.get('seconds')!) : undefined;
  const intervalSeconds = values.has('interval') ? positiveInt('interval', values.get('interval')!) : 5;
  let seed = 1;
  if (values.has('seed')) {
    const raw = values.get('seed')!;
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--seed must be an integer, not "${raw}"`);
    seed = Number(raw);
  }

  return { help: false, driver: driver as DriverName, target, scenario, serial, seconds, intervalSeconds, seed };
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ParseResult;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const where = parsed.target.kind === 'serial' ? parsed.target.path : `${parsed.target.host}:${parsed.target.port}`;
  let failure: Error | null = null;
  try {
    const sim = await startSimulator(parsed.target, {
      driver: parsed.driver,
      scenario: parsed.scenario,
      seed: parsed.seed,
      serial: parsed.serial,
      seconds: parsed.seconds,
      intervalSeconds: parsed.intervalSeconds,
      onError: (e) => {
        failure = e;
      },
    });
    process.stderr.write(`simulating ${parsed.driver} "${parsed.scenario}" on ${where}${parsed.seconds ? ` for ${parsed.seconds} s` : ' (Ctrl-C to stop)'}\n`);
    const onSignal = () => void sim.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await sim.done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stderr.write(`stopped after ${sim.stats.seconds} s, ${sim.stats.writes} writes, ${sim.stats.bytes} bytes\n`);
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  if (failure) {
    process.stderr.write(`error: ${where}: ${(failure as Error).message}\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
