import canonicalizeLib from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme). Values are first passed through JSON so Dates
 * become ISO strings and undefined disappears, exactly as they would on the wire.
 */
export function canonicalJson(value: unknown): string {
  assertFiniteNumbers(value);
  const plain = value === undefined ? null : JSON.parse(JSON.stringify(value));
  const text = canonicalizeLib(plain);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}

/** RFC 8785 has no NaN or Infinity; JSON.stringify would quietly turn them into null. */
function assertFiniteNumbers(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('value cannot be canonicalised: non-finite number');
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value) || value instanceof Date) return;
  seen.add(value);
  for (const item of Object.values(value as Record<string, unknown>)) assertFiniteNumbers(item, seen);
}
