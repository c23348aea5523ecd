import { performance } from 'node:perf_hooks';
import type { ExampleContent } from '../../../shared/contract/features/datasets.js';
import { gramHash, words } from './ngrams.js';
import { exampleTurns } from '../../../shared/datasets/example-text.js';

export interface EvalText { position: number; exampleHash: string; prompt: string; reference: string }
export interface TrainingExample { position: number; content_hash: string; content: string }
export interface TrainingSource { versionId: string; rows: Iterable<TrainingExample> }
export interface ContaminationOptions { n: number; threshold: number; topMatches: number; minWords: number }

export interface ContaminationMatch {
  versionId: string; position: number; contentHash: string; sharedGrams: number;
  snippet: { before: string; match: string; after: string };
}
export interface ContaminatedItem {
  position: number; exampleHash: string; prompt: string; reference: string;
  grams: number; matchedGrams: number; overlap: number; flagged: boolean; matches: ContaminationMatch[];
}
export interface ContaminationResult {
  n: number; threshold: number; evalItems: number; tooShort: number; trainingExamples: number; flagged: number;
  items: ContaminatedItem[]; ms: number;
}

export const exampleText = (content: ExampleContent): string =>
  content.kind === 'text' ? content.text : exampleTurns(content).filter((m) => m.role !== 'system').map((m) => m.content).join('\n');

/**
 * Word n-gram overlap between eval items (prompt + reference) and training examples. The eval side is indexed
 * (hash → items): it is the small side, so the index stays small while millions of training n-grams stream past
 * it once, one look-up each. An item shorter than n words (but at least minWords) counts as one n-gram of its own
 * length, so a copied short question is still caught. System prompts are left out on both sides: a shared
 * instruction is not contamination. `fetch` re-reads a matched training example to cut the snippet.
 */
export function findContamination(items: EvalText[], sources: TrainingSource[], opts: ContaminationOptions, fetch: (versionId: string, position: number) => TrainingExample | undefined): ContaminationResult {
  const started = performance.now();
  const index = new Map<number, number[]>();
  const itemGrams: Array<Set<number>> = [];
  const itemK: number[] = [];
  const lengths = new Set<number>();
  let tooShort = 0;
  items.forEach((item, idx) => {
    const w = words(`${item.prompt}\n${item.reference}`).hashes;
    const k = w.length >= opts.n ? opts.n : w.length >= opts.minWords ? w.length : 0;
    const set = new Set<number>();
    if (k === 0) tooShort++;
    else {
      lengths.add(k);
      for (let i = 0; i + k <= w.length; i++) set.add(gramHash(w, i, k));
      for (const h of set) {
        const posting = index.get(h);
        if (posting) posting.push(idx);
        else index.set(h, [idx]);
      }
    }
    itemGrams.push(set);
    itemK.push(k);
  });

  const matched = items.map(() => new Set<number>());
  const pairs = items.map(() => new Map<string, { versionId: string; position: number; contentHash: string; shared: number }>());
  let trainingExamples = 0;
  const ks = [...lengths];
  for (const source of sources) {
    for (const row of source.rows) {
      trainingExamples++;
      if (index.size === 0) continue;
      const w = words(exampleText(JSON.parse(row.content) as ExampleContent)).hashes;
      let hits: Map<number, Set<number>> | null = null; // item → grams this example shares with it
      for (const k of ks) {
        for (let i = 0; i + k <= w.length; i++) {
          const h = gramHash(w, i, k);
          const posting = index.get(h);
          if (!posting) continue;
          hits ??= new Map();
          for (const idx of posting) {
            if (itemK[idx] !== k) continue;
            let s = hits.get(idx);
            if (!s) hits.set(idx, (s = new Set()));
            s.add(h);
          }
        }
      }
      if (!hits) continue;
      for (const [idx, shared] of hits) {
        for (const h of shared) matched[idx]!.add(h);
        pairs[idx]!.set(`${source.versionId}:${row.position}`, { versionId: source.versionId, position: row.position, contentHash: row.content_hash, shared: shared.size });
      }
    }
  }

  const out: ContaminatedItem[] = [];
  items.forEach((item, idx) => {
    const total = itemGrams[idx]!.size;
    if (total === 0 || matched[idx]!.size === 0) return;
    const overlap = matched[idx]!.size / total;
    const top = [...pairs[idx]!.values()].sort((a, b) => b.shared - a.shared || a.position - b.position).slice(0, opts.topMatches);
    const matches = top.flatMap((p) => {
      const ex = fetch(p.versionId, p.position);
      if (!ex) return [];
      return [{ versionId: p.versionId, position: p.position, contentHash: p.contentHash, sharedGrams: p.shared, snippet: snippet(exampleText(JSON.parse(ex.content) as ExampleContent), itemGrams[idx]!, itemK[idx]!) }];
    });
    out.push({ ...item, grams: total, matchedGrams: matched[idx]!.size, overlap, flagged: overlap >= opts.threshold, matches });
  });
  out.sort((a, b) => b.overlap - a.overlap || a.position - b.position);
  return {
    n: opts.n, threshold: opts.threshold, evalItems: items.length, tooShort, trainingExamples, flagged: out.filter((i) => i.flagged).length,
    items: out, ms: performance.now() - started,
  };
}

/** The longest run of the training text covered by shared n-grams, with some context either side. */
export function snippet(text: string, grams: Set<number>, k: number, context = 60): { before: string; match: string; after: string } {
  const norm = text.normalize('NFKC');
  const { hashes, spans } = words(norm, true);
  const covered = new Uint8Array(hashes.length);
  for (let i = 0; i + k <= hashes.length; i++) if (grams.has(gramHash(hashes, i, k))) covered.fill(1, i, i + k);
  let best: [number, number] = [0, -1];
  for (let i = 0; i < covered.length; ) {
    if (!covered[i]) { i++; continue; }
    let j = i;
    while (j + 1 < covered.length && covered[j + 1]) j++;
    if (j - i > best[1] - best[0]) best = [i, j];
    i = j + 1;
  }
  if (best[1] < 0) return { before: norm.slice(0, context * 2), match: '', after: '' };
  const start = spans[best[0]]![0];
  const end = spans[best[1]]![1];
  const from = Math.max(0, start - context);
  const to = Math.min(norm.length, end + context);
  return { before: (from > 0 ? '…' : '') + norm.slice(from, start), match: norm.slice(start, end), after: norm.slice(end, to) + (to < norm.length ? '…' : '') };
}
