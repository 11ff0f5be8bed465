import * as argon2 from 'argon2';
import { invalid } from '../../common/problem';

/** argon2id with OWASP's minimum parameters (19 MiB, 2 iterations, 1 lane). */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// Verified against when the username is unknown, so a miss costs the same time as a hit.
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('vigil-timing-equaliser');
  await verifyPassword(await dummyHash, password);
}

export function assertAcceptablePassword(password: string, username: string, field: string): void {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (password.toLowerCase().includes(username.toLowerCase())) problems.push('must not contain the username');
  if (problems.length) throw invalid(`The password is not acceptable: ${problems.join('; ')}`, { [field]: problems });
}
