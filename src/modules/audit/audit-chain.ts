import { createHmac } from 'node:crypto';

/** Pure hash-chain arithmetic, shared by the writer and the verifier. */
export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(key: string, prevHash: string, canonical: string): string {
  return createHmac('sha256', key).update(prevHash).update(canonical).digest('hex');
}

export function headMac(key: string, count: number, headHash: string): string {
  return createHmac('sha256', key).update(`audit-chain-head:${count}:${headHash}`).digest('hex');
}

/** What an entry's canonical string holds; the columns must say the same. */
export interface CanonicalAuditPayload {
  seq: number;
  at: string;
  userId: string | null;
  username: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  old: unknown;
  new: unknown;
  reason: string | null;
  prevHash: string;
}
