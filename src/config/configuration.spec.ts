import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadConfig, VigilConfig } from './configuration';
import { resolveSecrets } from './secrets';

const SECRET_A = 'a-jwt-secret-that-is-long-enough-0123456789';
const SECRET_B = 'an-audit-key-that-is-long-enough-0123456789';
const PG_URL = 'postgres://vigil@db.example:5432/vigil';

/** The ConfigurationError that loading `env` throws. */
function configErrorOf(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('loadConfig', () => {
  it('has defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ engine: 'sqlite', path: 'data/vigil.sqlite', busyTimeoutMs: 5000 });
    expect(config.secretsFile).toBe('data/vigil.sqlite.secrets.json');
    expect(config.session).toEqual({ idleMinutes: 30, monitorIdleMinutes: 240, maxHours: 12 });
    expect(config.lockout).toEqual({ threshold: 5, minutes: 15 });
    expect(config.loginRateLimit).toEqual({ limit: 20, windowSeconds: 60 });
    expect(config.jwtSecret).toBeUndefined();
    expect(config.auditHmacKey).toBeUndefined();
    expect(config.adminPassword).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.bodyLimit).toBe('1mb');
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('converts the values it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'sqlite:/var/lib/vigil/db.sqlite',
      SQLITE_BUSY_TIMEOUT_MS: '100',
      SESSION_IDLE_MINUTES: '0.5',
      LOCKOUT_THRESHOLD: '3',
      LOCKOUT_MINUTES: '1',
      JWT_SECRET: SECRET_A,
      AUDIT_HMAC_KEY: SECRET_B,
      LOG_LEVEL: 'silent',
    });
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ engine: 'sqlite', path: '/var/lib/vigil/db.sqlite', busyTimeoutMs: 100 });
    expect(config.secretsFile).toBe('/var/lib/vigil/db.sqlite.secrets.json');
    expect(config.session.idleMinutes).toBe(0.5);
    expect(config.lockout).toEqual({ threshold: 3, minutes: 1 });
    expect(config.jwtSecret).toBe(SECRET_A);
    expect(config.auditHmacKey).toBe(SECRET_B);
    expect(config.logLevel).toBe('silent');
  });

  it('takes a PostgreSQL URL (both spellings) with both secrets, and has no secrets file then', () => {
    for (const url of [PG_URL, 'postgresql://vigil@db.example/vigil']) {
      const config = loadConfig({ DATABASE_URL: url, JWT_SECRET: SECRET_A, AUDIT_HMAC_KEY: SECRET_B });
      expect(config.database).toEqual({ engine: 'postgres', url });
      expect(config.secretsFile).toBe('');
    }
  });

  it('keeps an explicit SECRETS_FILE', () => {
    expect(loadConfig({ SECRETS_FILE: '/etc/vigil/keys.json' }).secretsFile).toBe('/etc/vigil/keys.json');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOCKOUT_THRESHOLD', '0'],
    ['LOCKOUT_THRESHOLD', '2.5'],
    ['JWT_SECRET', 'too-short'],
    ['AUDIT_HMAC_KEY', 'x'.repeat(31)],
    ['SESSION_IDLE_MINUTES', '-1'],
    ['VIGIL_ADMIN_PASSWORD', 'short'],
    ['LOG_LEVEL', 'verbose'],
  ])('refuses %s=%s with a ConfigurationError naming the variable', (name, value) => {
    const error = configErrorOf({ [name]: value });
    expect(error.message).toContain(name);
    expect(error.message).toMatch(/^Invalid configuration/);
  });

  it('names the rule a short secret breaks', () => {
    expect(configErrorOf({ JWT_SECRET: 'too-short' }).message).toContain('"JWT_SECRET" must be at least 32 characters');
  });

  it('reports every wrong variable at once', () => {
    const message = configErrorOf({ PORT: 'abc', LOCKOUT_THRESHOLD: '0', DATABASE_URL: 'mysql://x' }).message;
    expect(message).toContain('PORT');
    expect(message).toContain('LOCKOUT_THRESHOLD');
    expect(message).toContain('DATABASE_URL');
  });

  it('refuses a sqlite: URL without a file', () => {
    expect(configErrorOf({ DATABASE_URL: 'sqlite:' }).message).toContain('DATABASE_URL');
  });

  it('refuses PostgreSQL without JWT_SECRET, naming it', () => {
    const message = configErrorOf({ DATABASE_URL: PG_URL, AUDIT_HMAC_KEY: SECRET_B }).message;
    expect(message).toContain('JWT_SECRET');
    expect(message).toContain('PostgreSQL');
    expect(message).not.toContain('AUDIT_HMAC_KEY');
  });

  it('refuses PostgreSQL without AUDIT_HMAC_KEY, naming it', () => {
    const message = configErrorOf({ DATABASE_URL: PG_URL, JWT_SECRET: SECRET_A }).message;
    expect(message).toContain('AUDIT_HMAC_KEY');
    expect(message).toContain('PostgreSQL');
    expect(message).not.toContain('JWT_SECRET');
  });

  it('refuses PostgreSQL without either secret, naming both', () => {
    const message = configErrorOf({ DATABASE_URL: PG_URL }).message;
    expect(message).toContain('JWT_SECRET');
    expect(message).toContain('AUDIT_HMAC_KEY');
    expect(message).toContain('PostgreSQL');
    expect(message).toMatch(/^Invalid configuration/);
  });

  it('takes SQLite without secrets (they are generated into the key file)', () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' });
    expect(config.jwtSecret).toBeUndefined();
    expect(config.auditHmacKey).toBeUndefined();
  });
});

describe('resolveSecrets', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const sqliteConfig = (env: NodeJS.ProcessEnv = {}): VigilConfig =>
    loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'data', 'vigil.sqlite')}`, ...env });

  const readKeyFile = (config: VigilConfig) => JSON.parse(readFileSync(config.secretsFile, 'utf8')) as Record<string, string>;

  it('on SQLite without secrets, generates them into a key file readable only by the owner', () => {
    const config = sqliteConfig();
    expect(config.secretsFile).toBe(join(dir, 'data', 'vigil.sqlite.secrets.json'));
    expect(existsSync(config.secretsFile)).toBe(false);

    const secrets = resolveSecrets(config);

    expect(secrets.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(secrets.auditHmacKey.length).toBeGreaterThanOrEqual(32);
    expect(secrets.jwtSecret).not.toBe(secrets.auditHmacKey);
    expect(statSync(config.secretsFile).mode & 0o777).toBe(0o600);
    expect(readKeyFile(config)).toEqual(secrets);
  });

  it('returns the same secrets on the next start', () => {
    const first = resolveSecrets(sqliteConfig());
    const second = resolveSecrets(sqliteConfig());
    expect(second).toEqual(first);
  });

  it('generates different secrets for different databases', () => {
    const first = resolveSecrets(sqliteConfig());
    const other = resolveSecrets(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'other.sqlite')}` }));
    expect(other.jwtSecret).not.toBe(first.jwtSecret);
    expect(other.auditHmacKey).not.toBe(first.auditHmacKey);
  });

  it('uses secrets from the environment and writes no file when both are given', () => {
    const config = sqliteConfig({ JWT_SECRET: SECRET_A, AUDIT_HMAC_KEY: SECRET_B });
    expect(resolveSecrets(config)).toEqual({ jwtSecret: SECRET_A, auditHmacKey: SECRET_B });
    expect(existsSync(config.secretsFile)).toBe(false);
  });

  it('never writes a secret given in the environment to the file', () => {
    const config = sqliteConfig({ JWT_SECRET: SECRET_A });
    const secrets = resolveSecrets(config);
    expect(secrets.jwtSecret).toBe(SECRET_A);
    expect(secrets.auditHmacKey).not.toBe(SECRET_A);

    const stored = readKeyFile(config);
    expect(stored).toEqual({ auditHmacKey: secrets.auditHmacKey });
    expect(readFileSync(config.secretsFile, 'utf8')).not.toContain(SECRET_A);
    expect(statSync(config.secretsFile).mode & 0o777).toBe(0o600);

    // The generated one is kept across starts.
    expect(resolveSecrets(sqliteConfig({ JWT_SECRET: SECRET_A }))).toEqual(secrets);
  });

  it('prefers the environment over a generated secret already in the file', () => {
    const generated = resolveSecrets(sqliteConfig());
    const secrets = resolveSecrets(sqliteConfig({ AUDIT_HMAC_KEY: SECRET_B }));
    expect(secrets).toEqual({ jwtSecret: generated.jwtSecret, auditHmacKey: SECRET_B });
    expect(readFileSync(sqliteConfig().secretsFile, 'utf8')).not.toContain(SECRET_B);

    const jwtFromEnv = resolveSecrets(sqliteConfig({ JWT_SECRET: SECRET_A }));
    expect(jwtFromEnv).toEqual({ jwtSecret: SECRET_A, auditHmacKey: generated.auditHmacKey });
    expect(readFileSync(sqliteConfig().secretsFile, 'utf8')).not.toContain(SECRET_A);
  });

  it.each([
    ['0644', 0o644],
    ['0640', 0o640],
    ['0666', 0o666],
    ['0604', 0o604],
    ['0700', 0o700],
  ])('tightens an existing key file with mode %s to 0600 on the next start', (_name, mode) => {
    const config = sqliteConfig();
    const first = resolveSecrets(config);
    const text = readFileSync(config.secretsFile, 'utf8');
    chmodSync(config.secretsFile, mode);
    expect(statSync(config.secretsFile).mode & 0o777).toBe(mode);

    expect(resolveSecrets(config)).toEqual(first);

    expect(statSync(config.secretsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(config.secretsFile, 'utf8')).toBe(text); // same keys, not rewritten
  });

  it('tightens a restored key file it did not write (one secret from the environment)', () => {
    const config = sqliteConfig({ JWT_SECRET: SECRET_A });
    const restored = { auditHmacKey: 'a-restored-audit-key-0123456789abcdefghij' };
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(config.secretsFile, JSON.stringify(restored), { mode: 0o644 });
    chmodSync(config.secretsFile, 0o644);

    expect(resolveSecrets(config)).toEqual({ jwtSecret: SECRET_A, auditHmacKey: restored.auditHmacKey });

    expect(statSync(config.secretsFile).mode & 0o777).toBe(0o600);
    expect(readKeyFile(config)).toEqual(restored);
  });

  it('refuses a key file that is not JSON, naming it', () => {
    const config = sqliteConfig();
    resolveSecrets(config);
    writeFileSync(config.secretsFile, 'not json');
    expect(() => resolveSecrets(config)).toThrow(ConfigurationError);
    expect(() => resolveSecrets(config)).toThrow(config.secretsFile);
  });

  it('on PostgreSQL never generates secrets', () => {
    const config: VigilConfig = {
      ...loadConfig({ DATABASE_URL: PG_URL, JWT_SECRET: SECRET_A, AUDIT_HMAC_KEY: SECRET_B }),
      auditHmacKey: undefined,
    };
    expect(() => resolveSecrets(config)).toThrow(ConfigurationError);
    expect(() => resolveSecrets(config)).toThrow(/AUDIT_HMAC_KEY/);
  });
});
