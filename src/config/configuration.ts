import * as Joi from 'joi';

/**
 * Vigil's configuration, read once from the environment and validated before anything starts.
 * A wrong value stops the start with a message naming the variable.
 */
export interface VigilConfig {
  port: number;
  database: DatabaseConfig;
  /** Where generated secrets live on SQLite: beside, never inside, the database file. */
  secretsFile: string;
  jwtSecret?: string;
  auditHmacKey?: string;
  session: {
    idleMinutes: number;
    monitorIdleMinutes: number;
    maxHours: number;
  };
  lockout: { threshold: number; minutes: number };
  loginRateLimit: { limit: number; windowSeconds: number };
  adminPassword?: string;
  logLevel: string;
  bodyLimit: string;
  /** How often the scheduler looks for due timers; 0 turns polling off (tests call tick()). */
  schedulerIntervalMs: number;
}

export type DatabaseConfig =
  | { engine: 'sqlite'; path: string; busyTimeoutMs: number }
  | { engine: 'postgres'; url: string };

const secret = Joi.string().min(32).messages({ 'string.min': '{#label} must be at least 32 characters' });

export const environmentSchema = Joi.object({
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  DATABASE_URL: Joi.string()
    .pattern(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/)
    .default('sqlite:data/vigil.sqlite')
    .messages({ 'string.pattern.base': '{#label} must start with sqlite: or postgres://' }),
  SQLITE_BUSY_TIMEOUT_MS: Joi.number().integer().min(0).default(5000),
  SECRETS_FILE: Joi.string(),
  JWT_SECRET: secret,
  AUDIT_HMAC_KEY: secret,
  SESSION_IDLE_MINUTES: Joi.number().positive().default(30),
  MONITOR_SESSION_IDLE_MINUTES: Joi.number().positive().default(240),
  SESSION_MAX_HOURS: Joi.number().positive().default(12),
  LOCKOUT_THRESHOLD: Joi.number().integer().min(1).default(5),
  LOCKOUT_MINUTES: Joi.number().positive().default(15),
  LOGIN_RATE_LIMIT: Joi.number().integer().min(1).default(20),
  LOGIN_RATE_WINDOW_SECONDS: Joi.number().integer().min(1).default(60),
  VIGIL_ADMIN_PASSWORD: Joi.string().min(12).max(128),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  BODY_LIMIT: Joi.string().default('1mb'),
  SCHEDULER_INTERVAL_MS: Joi.number().integer().min(0).default(1000),
})
  .unknown(true)
  .custom((value: Record<string, unknown>, helpers) => {
    const url = String(value.DATABASE_URL);
    if (url.startsWith('postgres')) {
      const missing = ['JWT_SECRET', 'AUDIT_HMAC_KEY'].filter((name) => !value[name]);
      if (missing.length) {
        return helpers.message({
          custom: `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required on PostgreSQL (a key stored beside the data would let whoever edits the data rebuild the audit chain)`,
        });
      }
    }
    return value;
  });

export class ConfigurationError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const { value, error } = environmentSchema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    throw new ConfigurationError(`Invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  }
  const url = String(value.DATABASE_URL);
  const database: DatabaseConfig = url.startsWith('sqlite:')
    ? { engine: 'sqlite', path: url.slice('sqlite:'.length), busyTimeoutMs: value.SQLITE_BUSY_TIMEOUT_MS }
    : { engine: 'postgres', url };
  if (database.engine === 'sqlite' && !database.path) {
    throw new ConfigurationError('Invalid configuration: DATABASE_URL names no SQLite file');
  }
  const secretsFile =
    value.SECRETS_FILE ?? (database.engine === 'sqlite' ? `${database.path}.secrets.json` : '');
  return {
    port: value.PORT,
    database,
    secretsFile,
    jwtSecret: value.JWT_SECRET,
    auditHmacKey: value.AUDIT_HMAC_KEY,
    session: {
      idleMinutes: value.SESSION_IDLE_MINUTES,
      monitorIdleMinutes: value.MONITOR_SESSION_IDLE_MINUTES,
      maxHours: value.SESSION_MAX_HOURS,
    },
    lockout: { threshold: value.LOCKOUT_THRESHOLD, minutes: value.LOCKOUT_MINUTES },
    loginRateLimit: { limit: value.LOGIN_RATE_LIMIT, windowSeconds: value.LOGIN_RATE_WINDOW_SECONDS },
    adminPassword: value.VIGIL_ADMIN_PASSWORD,
    logLevel: value.LOG_LEVEL,
    bodyLimit: value.BODY_LIMIT,
    schedulerIntervalMs: value.SCHEDULER_INTERVAL_MS,
  };
}

export const VIGIL_CONFIG = Symbol('VIGIL_CONFIG');
