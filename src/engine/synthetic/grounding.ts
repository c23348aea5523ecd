/**
 * A cheap, explainable grounding check: the key content of an answer (its content words and word pairs) must be
 * found in the source chunk. It does not judge truth; it catches answers that talk about things the chunk never
 * mentions, which is the usual failure of a small teacher. Ungrounded items are flagged for the reviewer, not dropped.
 */
export interface Grounding {
  grounded: boolean;
  /** Share of the answer's content words found in the chunk (0..1). */
  wordCoverage: number;
  /** Share of the answer's adjacent content-word pairs found in the chunk (0..1; 1 when it has none). */
  pairCoverage: number;
  /** Content words of the answer not in the chunk, at most 20: what the reviewer should check. */
  missing: string[];
  reason: string;
}

export const GROUNDING_THRESHOLDS = { words: 0.7, pairs: 0.3 } as const;

const STOPWORDS = new Set(
  ('a an the and or but if then else of to in on at by for with from as is are was were be been being it its this that these those ' +
    'there here which who whom whose what when where why how not no nor so than too very can could should would may might must shall will ' +
    'do does did done have has had having i you he she we they them their our your my me us his her him also just only any all each ' +
    'some such into onto over under about after before between during through up down out off again further once more most other own same ' +
    'yes one two per via etc')
    .split(/\s+/),
);

/** Lowercase words with a crude plural/verb suffix strip, so "breakers" matches "breaker". */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().normalize('NFKC').matchAll(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)) {
    const w = m[0].replace(/'s$/, '');
    if (w.length < 3 && !/\d/.test(w)) continue;
    if (STOPWORDS.has(w)) continue;
    out.push(stem(w));
  }
  return out;
}

function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 4 && (w.endsWith('es') || w.endsWith('ed'))) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

export function checkGrounding(answer: string, chunk: string): Grounding {
  const words = contentWords(answer);
  if (words.length === 0) {
    return { grounded: false, wordCoverage: 0, pairCoverage: 0, missing: [], reason: 'The answer has no content words to check against the source.' };
  }
  const chunkWords = contentWords(chunk);
  const vocab = new Set(chunkWords);
  const chunkPairs = new Set(chunkWords.slice(1).map((w, i) => `${chunkWords[i]} ${w}`));
  const unique = [...new Set(words)];
  const found = unique.filter((w) => vocab.has(w));
  const missing = unique.filter((w) => !vocab.has(w));
  const pairs = [...new Set(words.slice(1).map((w, i) => `${words[i]} ${w}`))];
  const pairCoverage = pairs.length === 0 ? 1 : pairs.filter((p) => chunkPairs.has(p)).length / pairs.length;
  const wordCoverage = found.length / unique.length;
  const grounded = wordCoverage >= GROUNDING_THRESHOLDS.words && pairCoverage >= GROUNDING_THRESHOLDS.pairs;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const reason = grounded
    ? `${pct(wordCoverage)} of the answer's key words and ${pct(pairCoverage)} of its word pairs appear in the source chunk.`
    : `Only ${pct(wordCoverage)} of the answer's key words and ${pct(pairCoverage)} of its word pairs appear in the source chunk; check ${missing.slice(0, 5).join(', ') || 'the wording'}.`;
  return { grounded, wordCoverage, pairCoverage, missing: missing.slice(0, 20), reason };
}
