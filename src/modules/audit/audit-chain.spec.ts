import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { chainHash, GENESIS_HASH, headMac } from './audit-chain';
import { canonicalJson } from './canonical-json';

const KEY = 'audit-key-0123456789abcdefghijklmnopqrstuv';
const OTHER_KEY = 'audit-key-0123456789abcdefghijklmnopqrstuw';
const CANONICAL = canonicalJson({ seq: 1, action: 'signature.applied', entityType: 'checklist', entityId: 'c1' });
const HEX64 = /^[0-9a-f]{64}$/;

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
/**
 * HMAC keys of printable ASCII up to one SHA-256 block: HMAC itself treats a key padded with NUL
 * bytes, or one longer than 64 bytes and its hash, as the same key.
 */
const hmacKey = fc.string({ minLength: 1, maxLength: 64 });

describe('GENESIS_HASH', () => {
  it('is 64 zeros, the previous hash of the first entry', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });
});

describe('chainHash', () => {
  it('is HMAC-SHA-256 with the key over the previous hash followed by the canonical entry', () => {
    const expected = createHmac('sha256', KEY).update(GENESIS_HASH + CANONICAL).digest('hex');
    expect(chainHash(KEY, GENESIS_HASH, CANONICAL)).toBe(expected);
  });

  it('is pinned to known values: stored chains must keep verifying', () => {
    // Changing this value changes every stored hash, and existing audit trails stop verifying.
    expect(chainHash('k', GENESIS_HASH, '{"seq":1}')).toBe('c23d9d8d0cd222a8aaa7979283f211cd5172075ce8125c28dd5d289f3b57daa0');
    expect(headMac('k', 1, GENESIS_HASH)).toBe('bdcc3747ae37a75050419d75e9c1f1db68c279a993ec393c733f5af05828d45b');
    expect(chainHash(KEY, GENESIS_HASH, CANONICAL)).toMatch(HEX64);
  });

  it('is deterministic', () => {
    expect(chainHash(KEY, GENESIS_HASH, CANONICAL)).toBe(chainHash(KEY, GENESIS_HASH, CANONICAL));
  });

  it('changes with the key, the previous hash and the canonical entry', () => {
    const base = chainHash(KEY, GENESIS_HASH, CANONICAL);
    expect(chainHash(OTHER_KEY, GENESIS_HASH, CANONICAL)).not.toBe(base);
    expect(chainHash(KEY, `${'0'.repeat(63)}1`, CANONICAL)).not.toBe(base);
    expect(chainHash(KEY, GENESIS_HASH, CANONICAL.replace('c1', 'c2'))).not.toBe(base);
    expect(chainHash(KEY, GENESIS_HASH, `${CANONICAL} `)).not.toBe(base);
  });

  it('changes when any one input changes (property)', () => {
    fc.assert(
      fc.property(hmacKey, hex64, fc.string(), hmacKey, hex64, fc.string(), (k1, p1, c1, k2, p2, c2) => {
        const base = chainHash(k1, p1, c1);
        expect(base).toMatch(HEX64);
        expect(chainHash(k1, p1, c1)).toBe(base);
        if (k1 !== k2) expect(chainHash(k2, p1, c1)).not.toBe(base);
        if (p1 !== p2) expect(chainHash(k1, p2, c1)).not.toBe(base);
        if (c1 !== c2) expect(chainHash(k1, p1, c2)).not.toBe(base);
      }),
      { numRuns: 300 },
    );
  });

  it('links entries: changing an earlier entry changes every later hash', () => {
    const entries = [1, 2, 3, 4].map((seq) => canonicalJson({ seq, action: 'checklist.updated' }));
    const chain = (items: string[]) => {
      const hashes: string[] = [];
      let prev = GENESIS_HASH;
      for (const item of items) {
        prev = chainHash(KEY, prev, item);
        hashes.push(prev);
      }
      return hashes;
    };
    const original = chain(entries);
    const tampered = chain([entries[0], canonicalJson({ seq: 2, action: 'checklist.deleted' }), entries[2], entries[3]]);
    expect(tampered[0]).toBe(original[0]);
    for (const i of [1, 2, 3]) expect(tampered[i]).not.toBe(original[i]);
  });
});

describe('headMac', () => {
  const HEAD = chainHash(KEY, GENESIS_HASH, CANONICAL);

  it('is HMAC-SHA-256 over count and head hash', () => {
    expect(headMac(KEY, 7, HEAD)).toBe(createHmac('sha256', KEY).update(`audit-chain-head:7:${HEAD}`).digest('hex'));
  });

  it('is deterministic', () => {
    expect(headMac(KEY, 7, HEAD)).toBe(headMac(KEY, 7, HEAD));
    expect(headMac(KEY, 0, GENESIS_HASH)).toMatch(HEX64);
  });

  it('changes with the key, the count and the head hash', () => {
    const base = headMac(KEY, 7, HEAD);
    expect(headMac(OTHER_KEY, 7, HEAD)).not.toBe(base);
    expect(headMac(KEY, 6, HEAD)).not.toBe(base);
    expect(headMac(KEY, 8, HEAD)).not.toBe(base);
    expect(headMac(KEY, 7, GENESIS_HASH)).not.toBe(base);
  });

  it('differs from the entry hash of the same inputs (a head MAC cannot pass for an entry hash)', () => {
    expect(headMac(KEY, 1, GENESIS_HASH)).not.toBe(chainHash(KEY, GENESIS_HASH, '1'));
  });

  it('changes when any one input changes (property)', () => {
    fc.assert(
      fc.property(hmacKey, fc.nat(), hex64, hmacKey, fc.nat(), hex64, (k1, n1, h1, k2, n2, h2) => {
        const base = headMac(k1, n1, h1);
        expect(headMac(k1, n1, h1)).toBe(base);
        if (k1 !== k2) expect(headMac(k2, n1, h1)).not.toBe(base);
        if (n1 !== n2) expect(headMac(k1, n2, h1)).not.toBe(base);
        if (h1 !== h2) expect(headMac(k1, n1, h2)).not.toBe(base);
      }),
      { numRuns: 300 },
    );
  });
});
