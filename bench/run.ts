/**
 * `npm run bench`: the write-path benchmarks, printed as one table.
 *
 * Each engine runs in its own child process (bench/audit.bench.ts), because entity column
 * types are fixed from DATABASE_URL when src/ is first imported and a process never switches
 * engines. That also gives each engine clean memory figures.
 *
 *   npm run bench                                                   SQLite only
 *   BENCH_POSTGRES_URL=postgres://postgres@localhost:54329/postgres npm run bench
 *                                                                   SQLite, then PostgreSQL
 *
 * Optional: BENCH_N (requests per phase, default 500), BENCH_CONCURRENCY (clients, default 20),
 * BENCH_WARMUP (default 20), BENCH_ENGINES=sqlite|postgres|sqlite,postgres, BENCH_JSON=<file>.
 * No pass/fail on timings; a non-zero exit means a request failed or the chain did not verify.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditBenchResult, Engine, failureLines, formatTable } from './audit.bench';

function runEngine(engine: Engine, databaseUrl: string, workDir: string): AuditBenchResult | string {
  const resultFile = join(workDir, `${engine}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, BENCH_RESULT_FILE: resultFile };
  delete env.VIGIL_TEST_BASE_URL;
  const child = spawnSync(
    process.execPath,
    ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'audit.bench.ts')],
    { cwd: join(__dirname, '..'), env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 5 * 60_000 },
  );
  try {
    return JSON.parse(readFileSync(resultFile, 'utf8')) as AuditBenchResult;
  } catch {
    return `${engine}: the benchmark process ended without figures (exit ${child.status ?? child.signal}${child.error ? `, ${child.error.message}` : ''})`;
  }
}

function main(): number {
  const postgresUrl = process.env.BENCH_POSTGRES_URL;
  const wanted = (process.env.BENCH_ENGINES ?? (postgresUrl ? 'sqlite,postgres' : 'sqlite')).split(',').map((s) => s.trim());
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const results: AuditBenchResult[] = [];
  const problems: string[] = [];
  const started = Date.now();
  const loadBefore = loadavg()[0];
  try {
    if (wanted.includes('sqlite')) {
      // A file database in a temp folder (test/support/database.ts makes a fresh one per app).
      const r = runEngine('sqlite', `sqlite:${join(workDir, 'bench.sqlite')}`, workDir);
      if (typeof r === 'string') problems.push(r);
      else results.push(r);
    }
    if (wanted.includes('postgres')) {
      if (!postgresUrl) problems.push('postgres: BENCH_POSTGRES_URL is not set; skipped');
      else {
        // A fresh database vigil_test_<random> is created on that server and dropped afterwards.
        const r = runEngine('postgres', postgresUrl, workDir);
        if (typeof r === 'string') problems.push(r);
        else results.push(r);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const first = results[0];
  const out: string[] = [
    '',
    `Vigil write-path benchmark  ${new Date(started).toISOString()}`,
    `node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}); ` +
      `1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (other work on the machine skews the figures)`,
  ];
  if (first) {
    out.push(
      `POST /api/v1/sites = 1 site + 1 audit entry per transaction; ${first.warmup} warm-up requests, then N=${first.n} per phase; ` +
        `(b) ${first.concurrency} clients`,
    );
    out.push('', formatTable(results));
  }
  const failed = failureLines(results);
  for (const r of results) if (!r.verify.valid) problems.push(`${r.engine}: audit chain did not verify: ${r.verify.problem ?? 'verify request failed'}`);
  if (failed.length || problems.length) out.push('', 'PROBLEMS:', ...failed, ...problems);
  out.push('', `total ${((Date.now() - started) / 1000).toFixed(1)} s`, '');
  process.stdout.write(out.join('\n'));

  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
  return failed.length || problems.some((p) => !p.endsWith('skipped')) ? 1 : 0;
}

process.exitCode = main();
