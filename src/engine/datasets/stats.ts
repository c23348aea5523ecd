import type Database from 'better-sqlite3';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { reviewSummary } from './review-examples.js';
import { cachedCounter, type LoadedTokenizer } from './token-count.js';
import { requireVersion, versionRows } from './version-writer.js';

/** Equal-width bins of a readable width (1, 2, 5 × 10^k) from the minimum to the maximum. */
export function histogram(values: number[], bins: number): Array<{ from: number; to: number; count: number }> {
  if (!values.length) return [];
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  const min = values.reduce((m, v) => (v < m ? v : m), max);
  const raw = Math.max(1, Math.ceil((max - min + 1) / bins));
  const mag = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 5, 10].map((m) => m * mag).find((w) => w >= raw)!;
  const start = Math.floor(min / width) * width;
  const n = Math.floor((max - start) / width) + 1;
  const out = Array.from({ length: n }, (_, i) => ({ from: start + i * width, to: start + (i + 1) * width - 1, count: 0 }));
  for (const v of values) out[Math.floor((v - start) / width)]!.count += 1;
  return out;
}

/** Everything the Stats tab shows about one version; tokens only when a tokenizer is chosen (counts are cached). */
export function versionStats(db: Database.Database, versionId: string, tok: LoadedTokenizer | null, bins: number) {
  const version = requireVersion(db, versionId);
  const byKind: Record<string, number> = {};
  const bySplit: Record<string, number> = {};
  const counts: number[] = [];
  const counter = tok ? cachedCounter(db, tok) : null;
  for (const r of versionRows(db, version)) {
    const kind = (JSON.parse(r.content) as ExampleContent).kind;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    bySplit[r.split ?? 'none'] = (bySplit[r.split ?? 'none'] ?? 0) + 1;
    if (counter) counts.push(counter.count(r.content_hash, r.content));
  }
  counter?.flush();
  const review = reviewSummary(db, versionId);
  let tokens = null;
  if (tok && counts.length) {
    const sorted = [...counts].sort((a, b) => a - b);
    const total = counts.reduce((s, n) => s + n, 0);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    tokens = { tokenizer: { path: tok.path, sha256: tok.sha256 }, total, min: sorted[0]!, max: sorted[sorted.length - 1]!, mean: total / counts.length, p50: at(0.5), p95: at(0.95), histogram: histogram(counts, bins) };
  } else if (tok) {
    tokens = { tokenizer: { path: tok.path, sha256: tok.sha256 }, total: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, histogram: [] };
  }
  return { examples: version.example_count, byKind, bySource: review.sources, bySplit, byStatus: review.byStatus, tokens };
}
