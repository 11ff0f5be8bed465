/**
 * Drug classes as people type them: 'MAOIs', 'MAOI', 'maoi' and 'benzodiazepines' and
 * 'Benzodiazepine' are one class each. Pure, so the facts provider and the tests can use it.
 */

/** The comparable form of a drug class: lower case, single spaces, a plural 's' dropped. */
export function normaliseDrugClass(drugClass: string): string {
  const words = drugClass
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  if (words.length === 0) return '';
  words[words.length - 1] = singular(words[words.length - 1]);
  return words.join(' ');
}

/** True when two spellings name the same drug class ('MAOIs' and 'MAOI', 'benzodiazepines' and 'benzodiazepine'). */
export function sameDrugClass(a: string, b: string): boolean {
  const na = normaliseDrugClass(a);
  return na !== '' && na === normaliseDrugClass(b);
}

/** One entry per class, in the first spelling met. */
export function distinctDrugClasses(classes: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const c of classes) {
    const key = normaliseDrugClass(c);
    if (key && !seen.has(key)) seen.set(key, c);
  }
  return [...seen.values()];
}

function singular(word: string): string {
  // both sides are normalised alike, so a singular ending in s ('cannabis') only has to stay itself;
  // 'ss' (as in 'class') is no plural, and short words are left alone
  if (word.length <= 3 || !word.endsWith('s') || word.endsWith('ss')) return word;
  return word.slice(0, -1);
}
