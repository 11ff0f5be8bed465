import canonicalizeLib from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme). Values are first passed through JSON so Dates
 * become ISO strings and undefined disappears, exactly as they would on the wire.
 */
export function canonicalJson(value: unknown): string {
  const plain = value === undefined ? null : JSON.parse(JSON.stringify(value));
  const text = canonicalizeLib(plain);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}
