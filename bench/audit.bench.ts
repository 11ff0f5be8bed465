/**
 * Audited-write benchmark for one database engine: boots the real application module (as the
 * e2e tests do, through test/support/app.ts), then measures
 *   (a) N sequential POST /api/v1/sites (one site + one audit entry per transaction),
 *   (b) N more POST /api/v1/sites from C concurrent clients,
 *   (c) GET /api/v1/audit/verify over the resulting chain.
 *
 * The engine is whatever DATABASE_URL names when this module is loaded: entity column types are
 * decided when src/ is imported, so src/ (and test/support/app, which imports it) is loaded
 * with a dynamic import only after DATABASE_URL is settled. bench/run.ts runs this file once
 * per engine in a fresh child process; it can also be run alone:
 *
 *   npx ts-node --transpile-only bench/audit.bench.ts                       (SQLite, temp file)
 *   DATABASE_URL=postgres://postgres@localhost:54329/postgres \
 *     npx ts-node --transpile-only bench/audit.bench.ts                     (PostgreSQL)
 *
 * Prints figures only; there are no timing thresholds. Exits non-zero only if a request failed
 * or the chain did not verify (those are correctness problems, not slowness).
 */
import 'reflect-metadata';
import { statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export type Engine = 'sqlite' | 'postgres';

export interface LatencyStats {
  requests: number;
  wallMs: number;
  perSecond: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface AuditBenchResult {
  engine: Engine;
  startedAt: string;
  node: string;
  n: number;
  concurrency: number;
  warmup: number;
  bootMs: number;
  /** Reference, not a write: authenticated GET /api/v1/sites/:id (token + session check, one read). */
  readReference: LatencyStats;
  sequential: LatencyStats;
  concurrent: LatencyStats & { maxWriteLockQueue: number | null };
  verify: {
    entries: number;
    valid: boolean;
    problem?: string;
    runsMs: number[];
    medianMs: number;
    usPerEntry: number;
    extrapolated100kMs: number;
    extrapolated1mMs: number;
  };
  memory: { rssStart: number; rssBooted: number; rssAfterWrites: number; rssEnd: number; heapUsedEnd: number };
  databaseBytes: number | null;
  failures: { phase: string; status: number; body: string }[];
  failureCount: number;
}

export interface AuditBenchOptions {
  n?: number;
  concurrency?: number;
  warmup?: number;
  verifyRuns?: number;
  /** Progress lines go here (stderr by default), so stdout carries only the figures. */
  log?: (line: string) => void;
}

const READ_REFERENCE = 200;

export const engineOf = (url: string | undefined): Engine => (/^postgres(ql)?:\/\//.test(url ?? '') ? 'postgres' : 'sqlite');

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function latencyStats(latencies: number[], wallMs: number): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    requests: sorted.length,
    wallMs,
    perSecond: (sorted.length / wallMs) * 1000,
    meanMs: sum / sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1],
  };
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runAuditBench(options: AuditBenchOptions = {}): Promise<AuditBenchResult> {
  const n = options.n ?? 500;
  const concurrency = options.concurrency ?? 20;
  const warmup = Math.max(1, options.warmup ?? 20);
  const verifyRuns = options.verifyRuns ?? 5;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  // test/support/database.ts prefers VIGIL_TEST_BASE_URL over DATABASE_URL; a stale value from
  // the shell must not send this run to another engine than the entities were built for.
  delete process.env.VIGIL_TEST_BASE_URL;
  // Only the sqlite: prefix matters here: createTestApp() makes (and removes) its own temp file.
  if (!process.env.DATABASE_URL) process.env.DATABASE_URL = `sqlite:${join(tmpdir(), 'vigil-bench.sqlite')}`;
  const engine = engineOf(process.env.DATABASE_URL);
  const startedAt = new Date().toISOString();
  const rssStart = process.memoryUsage().rss;

  // Only now load src/ (through the test helpers): column types follow DATABASE_URL.
  const support = await import('../test/support/app');
  const { UnitOfWork } = await import('../src/database/unit-of-work');

  log(`[${engine}] booting the application module`);
  const bootStart = performance.now();
  const t = await support.createTestApp();
  const bootMs = performance.now() - bootStart;
  const failures: AuditBenchResult['failures'] = [];
  let failureCount = 0;
  try {
    // Listen on a real port first. Otherwise supertest starts and stops the server around
    // every request it sends, and that would be most of what is measured.
    await t.app.listen(0, '127.0.0.1');
    const token = await support.adminToken(t);
    const auth = support.bearer(token);
    const rssBooted = process.memoryUsage().rss;

    log(`[${engine}] warm-up: ${warmup} sites`);
    const warmSites: string[] = [];
    for (let i = 0; i < warmup; i++) warmSites.push((await support.createSite(t, token, `BW-${i}`)).id);
    const firstSite = warmSites[0];

    // Reference: the same HTTP stack and auth check without a write, to tell the write's share.
    log(`[${engine}] (ref) ${READ_REFERENCE} sequential GET /api/v1/sites/:id`);
    const readLatencies: number[] = [];
    const readStart = performance.now();
    for (let i = 0; i < READ_REFERENCE; i++) {
      const start = performance.now();
      const res = await t.http.get(`/api/v1/sites/${firstSite}`).set(auth);
      readLatencies.push(performance.now() - start);
      if (res.status !== 200) {
        failureCount++;
        if (failures.length < 5) failures.push({ phase: 'read reference', status: res.status, body: JSON.stringify(res.body).slice(0, 500) });
      }
    }
    const readReference = latencyStats(readLatencies, performance.now() - readStart);

    const postSite = async (phase: string, code: string): Promise<number> => {
      const start = performance.now();
      const res = await t.http.post('/api/v1/sites').set(auth).send({ code, name: `Bench site ${code}`, timezone: 'Europe/Amsterdam', country: 'NL' });
      const ms = performance.now() - start;
      if (res.status !== 201) {
        failureCount++;
        if (failures.length < 5) failures.push({ phase, status: res.status, body: JSON.stringify(res.body).slice(0, 500) });
      }
      return ms;
    };

    // (a) one client, one request at a time
    log(`[${engine}] (a) ${n} sequential POST /api/v1/sites`);
    const seqLatencies: number[] = [];
    const seqStart = performance.now();
    for (let i = 0; i < n; i++) seqLatencies.push(await postSite('sequential', `BS-${i}`));
    const sequential = latencyStats(seqLatencies, performance.now() - seqStart);

    // (b) C clients, each sending its own batch one request after another, all at once
    log(`[${engine}] (b) ${n} POST /api/v1/sites from ${concurrency} concurrent clients`);
    const uow = t.app.get(UnitOfWork) as unknown as { isPostgres: boolean; lock?: { queued: number } };
    const lock = uow.isPostgres ? undefined : uow.lock;
    let maxQueue = 0;
    const sample = () => {
      if (lock) maxQueue = Math.max(maxQueue, lock.queued);
    };
    const batches: number[][] = Array.from({ length: concurrency }, () => []);
    for (let i = 0; i < n; i++) batches[i % concurrency].push(i);
    const concLatencies: number[] = [];
    const concStart = performance.now();
    await Promise.all(
      batches.map(async (batch) => {
        for (const i of batch) {
          sample();
          concLatencies.push(await postSite('concurrent', `BC-${i}`));
          sample();
        }
      }),
    );
    const concurrent = { ...latencyStats(concLatencies, performance.now() - concStart), maxWriteLockQueue: lock ? maxQueue : null };
    const rssAfterWrites = process.memoryUsage().rss;

    // (c) verify the whole chain (setup + warm-up + both phases)
    log(`[${engine}] (c) GET /api/v1/audit/verify x${verifyRuns}`);
    const runsMs: number[] = [];
    let verification: { valid: boolean; entries: number; problem?: string } = { valid: false, entries: 0 };
    for (let r = 0; r < verifyRuns; r++) {
      const start = performance.now();
      const res = await t.http.get('/api/v1/audit/verify').set(auth);
      runsMs.push(performance.now() - start);
      if (res.status !== 200) {
        failureCount++;
        failures.push({ phase: 'verify', status: res.status, body: JSON.stringify(res.body).slice(0, 500) });
      } else {
        verification = res.body;
      }
    }
    const medianMs = median(runsMs);
    const usPerEntry = verification.entries ? (medianMs * 1000) / verification.entries : NaN;

    let databaseBytes: number | null = null;
    try {
      if (t.db.engine === 'sqlite') {
        const file = t.db.url.slice('sqlite:'.length);
        databaseBytes = [file, `${file}-wal`].reduce((sum, f) => {
          try {
            return sum + statSync(f).size;
          } catch {
            return sum;
          }
        }, 0);
      } else {
        const [row] = await t.dataSource.query('SELECT pg_database_size(current_database())::bigint AS size');
        databaseBytes = Number(row.size);
      }
    } catch {
      databaseBytes = null;
    }

    const mem = process.memoryUsage();
    return {
      engine,
      startedAt,
      node: process.version,
      n,
      concurrency,
      warmup,
      bootMs,
      readReference,
      sequential,
      concurrent,
      verify: {
        entries: verification.entries,
        valid: verification.valid,
        problem: verification.problem,
        runsMs,
        medianMs,
        usPerEntry,
        extrapolated100kMs: (usPerEntry * 100_000) / 1000,
        extrapolated1mMs: (usPerEntry * 1_000_000) / 1000,
      },
      memory: { rssStart, rssBooted, rssAfterWrites, rssEnd: mem.rss, heapUsedEnd: mem.heapUsed },
      databaseBytes,
      failures,
      failureCount,
    };
  } finally {
    await t.close();
  }
}

// ---------- printing (shared with run.ts) ----------

const mb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : 'n/a');
const rate = (v: number) => `${v.toFixed(0)} /s`;

/** One row per figure, one column per engine. */
export function formatTable(results: AuditBenchResult[]): string {
  const rows: [string, (r: AuditBenchResult) => string][] = [
    ['boot (create module, migrate, init)', (r) => ms(r.bootMs)],
    ['(ref) GET site (no write): p50 / p95', (r) => `${ms(r.readReference.p50Ms)} / ${ms(r.readReference.p95Ms)}`],
    ['(a) sequential: requests', (r) => String(r.sequential.requests)],
    ['(a) sequential: throughput', (r) => rate(r.sequential.perSecond)],
    ['(a) sequential: p50 latency', (r) => ms(r.sequential.p50Ms)],
    ['(a) sequential: p95 latency', (r) => ms(r.sequential.p95Ms)],
    ['(a) sequential: p99 / max', (r) => `${ms(r.sequential.p99Ms)} / ${ms(r.sequential.maxMs)}`],
    ['(b) concurrent: requests / clients', (r) => `${r.concurrent.requests} / ${r.concurrency}`],
    ['(b) concurrent: throughput', (r) => rate(r.concurrent.perSecond)],
    ['(b) concurrent: p50 latency', (r) => ms(r.concurrent.p50Ms)],
    ['(b) concurrent: p95 latency', (r) => ms(r.concurrent.p95Ms)],
    ['(b) concurrent: p99 / max', (r) => `${ms(r.concurrent.p99Ms)} / ${ms(r.concurrent.maxMs)}`],
    ['(b) max SQLite write-lock queue', (r) => (r.concurrent.maxWriteLockQueue === null ? 'n/a (row lock)' : String(r.concurrent.maxWriteLockQueue))],
    ['(c) verify: chain entries', (r) => String(r.verify.entries)],
    ['(c) verify: result', (r) => (r.verify.valid ? 'valid' : `INVALID: ${r.verify.problem ?? 'request failed'}`)],
    ['(c) verify: median (min) of runs', (r) => `${ms(r.verify.medianMs)} (${ms(Math.min(...r.verify.runsMs))})`],
    ['(c) verify: per entry (median)', (r) => `${r.verify.usPerEntry.toFixed(1)} us`],
    ['(c) verify: extrapolated 100k / 1M', (r) => `${(r.verify.extrapolated100kMs / 1000).toFixed(1)} s / ${(r.verify.extrapolated1mMs / 1000).toFixed(0)} s`],
    ['database size after run', (r) => mb(r.databaseBytes)],
    ['rss: before app import', (r) => mb(r.memory.rssStart)],
    ['rss: after boot', (r) => mb(r.memory.rssBooted)],
    ['rss: after writes', (r) => mb(r.memory.rssAfterWrites)],
    ['rss: at end (heapUsed)', (r) => `${mb(r.memory.rssEnd)} (${mb(r.memory.heapUsedEnd)})`],
    ['failed requests', (r) => String(r.failureCount)],
  ];
  const header = ['figure', ...results.map((r) => r.engine)];
  const body = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function failureLines(results: AuditBenchResult[]): string[] {
  return results.flatMap((r) => r.failures.map((f) => `[${r.engine}] ${f.phase}: HTTP ${f.status} ${f.body}`));
}

// ---------- entry point (bench/run.ts starts this file once per engine) ----------

if (require.main === module) {
  const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  runAuditBench({ n: num('BENCH_N'), concurrency: num('BENCH_CONCURRENCY'), warmup: num('BENCH_WARMUP') })
    .then((result) => {
      const out = process.env.BENCH_RESULT_FILE;
      if (out) writeFileSync(out, JSON.stringify(result));
      else {
        process.stdout.write(`${formatTable([result])}\n`);
        for (const l of failureLines([result])) process.stdout.write(`${l}\n`);
      }
      process.exit(result.failureCount > 0 || !result.verify.valid ? 1 : 0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    });
}
