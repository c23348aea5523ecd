/**
 * Word n-grams for the contamination check. Text is normalised (NFKC, lower case, words = runs of letters and
 * digits) so punctuation, case and spacing do not hide a copy. Each n-gram is hashed to a 52-bit number (two
 * 32-bit FNV-style lanes) so index look-ups are plain Map/Set operations on numbers, with collisions negligible at
 * 10^8 n-grams.
 */
export interface Words { hashes: Uint32Array; spans: Array<[number, number]> }

const WORD = /[\p{L}\p{N}]+/gu;

/** Word hashes and their character spans in the original text (for showing the overlapping span). */
export function words(text: string, withSpans = false): Words {
  const hashes: number[] = [];
  const spans: Array<[number, number]> = [];
  const norm = text.normalize('NFKC');
  // NFKC can change lengths; spans are only needed for display, so they index the normalised text.
  for (const m of norm.matchAll(WORD)) {
    const w = m[0].toLowerCase();
    let h = 0x811c9dc5;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
    hashes.push(h >>> 0);
    if (withSpans) spans.push([m.index!, m.index! + m[0].length]);
  }
  return { hashes: Uint32Array.from(hashes), spans };
}

/** Hash of the k words starting at i. */
export function gramHash(w: Uint32Array, i: number, k: number): number {
  let a = 0x9e3779b1 ^ k;
  let b = 0x85ebca77 ^ k;
  for (let j = i; j < i + k; j++) {
    a = Math.imul(a ^ w[j]!, 0x01000193);
    b = Math.imul((b + w[j]!) | 0, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

/** Every k-gram hash of a word list, in order (empty when it has fewer than k words). */
export function grams(w: Uint32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + k <= w.length; i++) out.push(gramHash(w, i, k));
  return out;
}
