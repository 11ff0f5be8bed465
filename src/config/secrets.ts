import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigurationError, VigilConfig } from './configuration';

export interface Secrets {
  jwtSecret: string;
  auditHmacKey: string;
}

export const SECRETS = Symbol('SECRETS');

/**
 * The JWT secret and the audit HMAC key. From the environment when given (required on
 * PostgreSQL); on SQLite otherwise generated once into a key file beside the database, so the
 * embedded default starts with one command and keeps verifying its audit chain across restarts.
 */
export function resolveSecrets(config: VigilConfig): Secrets {
  if (config.jwtSecret && config.auditHmacKey) {
    if (config.database.engine === 'sqlite' && existsSync(config.secretsFile)) chmodSync(config.secretsFile, 0o600);
    return { jwtSecret: config.jwtSecret, auditHmacKey: config.auditHmacKey };
  }
  if (config.database.engine !== 'sqlite') {
    throw new ConfigurationError('Invalid configuration: JWT_SECRET and AUDIT_HMAC_KEY are required on PostgreSQL');
  }
  let stored: Partial<Secrets> = {};
  if (existsSync(config.secretsFile)) {
    try {
      stored = JSON.parse(readFileSync(config.secretsFile, 'utf8')) as Partial<Secrets>;
    } catch {
      throw new ConfigurationError(`Invalid configuration: SECRETS_FILE ${config.secretsFile} is not readable JSON`);
    }
  }
  const secrets: Secrets = {
    jwtSecret: config.jwtSecret ?? stored.jwtSecret ?? randomBytes(48).toString('base64url'),
    auditHmacKey: config.auditHmacKey ?? stored.auditHmacKey ?? randomBytes(48).toString('base64url'),
  };
  const generated = pickGenerated(config, secrets);
  if (Object.entries(generated).some(([name, value]) => stored[name as keyof Secrets] !== value)) {
    mkdirSync(dirname(config.secretsFile), { recursive: true });
    writeFileSync(config.secretsFile, JSON.stringify({ ...stored, ...generated }, null, 2), { mode: 0o600 });
  }
  // Tighten a key file restored with looser permissions, too.
  if (existsSync(config.secretsFile)) chmodSync(config.secretsFile, 0o600);
  return secrets;
}

/** Only generated secrets go to the file; a secret given in the environment is never written out. */
function pickGenerated(config: VigilConfig, secrets: Secrets): Partial<Secrets> {
  const out: Partial<Secrets> = {};
  if (!config.jwtSecret) out.jwtSecret = secrets.jwtSecret;
  if (!config.auditHmacKey) out.auditHmacKey = secrets.auditHmacKey;
  return out;
}
