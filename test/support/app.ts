import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { CLOCK, ManualClock } from '../../src/common/clock';
import { FACTS_PROVIDER } from '../../src/modules/sessions/facts.provider';
import { SchedulerService } from '../../src/modules/scheduler/scheduler.service';
import { TestFactsProvider } from './test-facts.provider';
import { createTestDatabase, TestDatabase } from './database';

export const ADMIN_INITIAL_PASSWORD = 'first-start-one-time-pw';
export const ADMIN_PASSWORD = 'chosen-password-number-1';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdefghijklmnop';
export const TEST_AUDIT_KEY = 'test-audit-key-0123456789abcdefghijklmnopq';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  clock: ManualClock;
  db: TestDatabase;
  dataSource: DataSource;
  /** The test facts provider (read by the gates only with `testFacts: true`). */
  facts: TestFactsProvider;
  /** Fires the durable timers due at the clock's time. */
  tick(): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Reuse this database instead of a fresh one (a restart); it is not disposed on close. */
  db?: TestDatabase;
  /** Start at this time instead of now. */
  now?: Date | string;
  /**
   * Replace the application's facts provider (which reads the clinical records) with the protocol
   * engine's test provider, whose facts satisfy every gate unless a test adjusts them. For tests
   * of the engine's paths and of record mechanics; gates against real records are tested without.
   */
  testFacts?: boolean;
}

/**
 * Boots the real application (same module, same setup as main.ts) on a fresh database, with the
 * clock overridden so tests move time instead of waiting.
 */
export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const settings: Record<string, string> = {
    DATABASE_URL: db.url,
    JWT_SECRET: TEST_JWT_SECRET,
    AUDIT_HMAC_KEY: TEST_AUDIT_KEY,
    VIGIL_ADMIN_PASSWORD: ADMIN_INITIAL_PASSWORD,
    LOG_LEVEL: 'silent',
    LOGIN_RATE_LIMIT: '1000',
    SCHEDULER_INTERVAL_MS: '0',
    ...env,
  };
  const previous: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(settings)) {
    previous[key] = process.env[key];
    process.env[key] = value;
  }
  const clock = new ManualClock(options.now ?? new Date());
  const facts = new TestFactsProvider();
  try {
    let builder = Test.createTestingModule({ imports: [AppModule] }).overrideProvider(CLOCK).useValue(clock);
    if (options.testFacts) builder = builder.overrideProvider(FACTS_PROVIDER).useValue(facts);
    const moduleRef = await builder.compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    configureApp(app);
    await app.init();
    const server = app.getHttpServer();
    return {
      app,
      http: request(server),
      clock,
      db,
      dataSource: app.get(DataSource),
      facts,
      tick: () => app.get(SchedulerService).tick(),
      close: async () => {
        await app.close();
        if (!options.db) await db.dispose();
      },
    };
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export async function login(t: TestApp, username: string, password: string): Promise<string> {
  const res = await t.http.post('/api/v1/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

/** Signs in as the first-start admin and replaces the one-time password. */
export async function adminToken(t: TestApp): Promise<string> {
  const token = await login(t, 'admin', ADMIN_INITIAL_PASSWORD);
  const res = await t.http
    .post('/api/v1/auth/password')
    .set(bearer(token))
    .send({ currentPassword: ADMIN_INITIAL_PASSWORD, newPassword: ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`admin password change failed: ${res.status} ${JSON.stringify(res.body)}`);
  return token;
}

export async function createSite(t: TestApp, token: string, code: string, timezone = 'Europe/Amsterdam') {
  const res = await t.http.post('/api/v1/sites').set(bearer(token)).send({ code, name: `Site ${code}`, timezone, country: 'NL' });
  if (res.status !== 201) throw new Error(`site ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; code: string };
}

/** Creates a user with an admin-set password, then signs in as them and sets their own. */
export async function createUser(
  t: TestApp,
  adminTok: string,
  username: string,
  roles: string[],
  siteIds: string[],
): Promise<{ id: string; token: string; password: string }> {
  const initial = 'temporary-password-0001';
  const password = `chosen-password-${Math.random().toString(36).slice(2, 10)}`;
  const res = await t.http
    .post('/api/v1/users')
    .set(bearer(adminTok))
    .send({ username, fullName: `Dr ${username}`, password: initial, roles, siteIds });
  if (res.status !== 201) throw new Error(`user ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  const token = await login(t, username, initial);
  const change = await t.http.post('/api/v1/auth/password').set(bearer(token)).send({ currentPassword: initial, newPassword: password });
  if (change.status !== 200) throw new Error(`password change ${username}: ${change.status} ${JSON.stringify(change.body)}`);
  return { id: res.body.id, token, password };
}
