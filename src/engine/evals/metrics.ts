/**
 * Generation metrics on a model's answer against the reference answer. All three use the same normalisation
 * as SQuAD's official script (lower case, no punctuation, no articles, collapsed white space) so that "The
 * relay." and "relay" count as the same answer; scores are in 0..1.
 */

const ARTICLES = /\b(a|an|the)\b/g;
// Unicode punctuation and symbols, so curly quotes and dashes are dropped like ASCII ones.
const PUNCTUATION = /[\p{P}\p{S}]/gu;

export function normalizeAnswer(text: string): string {
  return text.toLowerCase().normalize('NFKC').replace(PUNCTUATION, ' ').replace(ARTICLES, ' ').replace(/\s+/g, ' ').trim();
}

export function tokens(text: string): string[] {
  const n = normalizeAnswer(text);
  return n ? n.split(' ') : [];
}

export function exactMatch(prediction: string, reference: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(reference) ? 1 : 0;
}

/** Token-bag F1 (SQuAD): overlap counted with multiplicity. Two empty answers agree (1); one empty scores 0. */
export function tokenF1(prediction: string, reference: string): number {
  const p = tokens(prediction);
  const r = tokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Length of the longest common subsequence of two token lists; O(n·m) time, O(m) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L F-measure (β = 1) on normalised tokens. */
export function rougeL(prediction: string, reference: string): number {
  const p = tokens(prediction);
  const r = tokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const lcs = lcsLength(p, r);
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export const METRICS = ['exact', 'f1', 'rougeL'] as const;
export type MetricName = (typeof METRICS)[number];
export type Scores = Record<MetricName, number>;

export function scoreAnswer(prediction: string, reference: string): Scores {
  return { exact: exactMatch(prediction, reference), f1: tokenF1(prediction, reference), rougeL: rougeL(prediction, reference) };
}
