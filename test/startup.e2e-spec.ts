import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createTestDatabase, TestDatabase } from './support/database';

/**
 * Starts Vigil as `npm start` does (a separate process, real configuration, real logs) and
 * checks the first-start admin flow and that the structured log carries no secrets.
 */
describe('a fresh start of the real process (e2e)', () => {
  let db: TestDatabase;
  let child: ChildProcessWithoutNullStreams;
  let output = '';
  let base = '';

  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'info' };
    delete env.VIGIL_ADMIN_PASSWORD;
    if (db.engine === 'postgres') {
      env.JWT_SECRET = 'startup-test-jwt-secret-0123456789abcdef';
      env.AUDIT_HMAC_KEY = 'startup-test-audit-key-0123456789abcdef';
    } else {
      delete env.JWT_SECRET;
      delete env.AUDIT_HMAC_KEY;
    }
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'main.ts')], { env });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 45_000;
    while (!/Vigil listening/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Vigil did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await db.dispose();
  });

  it('serves /health, and the printed one-time admin password works once and must be changed', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');

    const printed = /one-time password\s+(\S+)/.exec(output);
    expect(printed).not.toBeNull();
    const oneTime = printed![1];
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });

    const login = await post('/api/v1/auth/login', { username: 'admin', password: oneTime });
    expect(login.status).toBe(200);
    const { accessToken, user } = (await login.json()) as { accessToken: string; user: { mustChangePassword: boolean } };
    expect(user.mustChangePassword).toBe(true);
    const blocked = await fetch(`${base}/api/v1/users`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(blocked.status).toBe(403);
    const changed = await post('/api/v1/auth/password', { currentPassword: oneTime, newPassword: 'a-password-of-my-own' }, accessToken);
    expect(changed.status).toBe(200);
    const users = await fetch(`${base}/api/v1/users`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(users.status).toBe(200);
    expect((await post('/api/v1/auth/login', { username: 'admin', password: oneTime })).status).toBe(401);

    // The structured log has the requests, but no password and no token.
    const logLines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.some((line) => line.includes('"/api/v1/auth/login"'))).toBe(true);
    const structuredLog = logLines.join('\n');
    expect(structuredLog).not.toContain(oneTime);
    expect(structuredLog).not.toContain('a-password-of-my-own');
    expect(structuredLog).not.toContain(accessToken);
    // the one-time password is printed exactly once, outside the structured log
    expect(output.split(oneTime).length - 1).toBe(1);
  });

  it('a wrong configuration value stops the start with a message naming the variable', async () => {
    const bad = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'main.ts')], {
      env: { ...process.env, DATABASE_URL: db.url, LOCKOUT_THRESHOLD: 'many' },
    });
    let text = '';
    bad.stderr.on('data', (chunk) => (text += chunk));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(1);
    expect(text).toMatch(/LOCKOUT_THRESHOLD/);
  });

  // Generated secrets exist only on SQLite; on PostgreSQL they must come from the environment.
  const onSqlite = /^sqlite:/.test(process.env.DATABASE_URL ?? 'sqlite:') ? it : it.skip;
  onSqlite('keeps generated secrets in a key file beside, not inside, the SQLite database', () => {
    const file = db.url.slice('sqlite:'.length);
    const secrets = `${file}.secrets.json`;
    expect(existsSync(secrets)).toBe(true);
    expect(dirname(secrets)).toBe(dirname(file));
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
  });
});
