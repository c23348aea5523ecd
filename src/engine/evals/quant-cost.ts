import type Database from 'better-sqlite3';
import type { ResultOf } from '../../shared/contract/index.js';
import { evalQueries } from '../db/queries/evals.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { compareEvals, getSummary } from './eval-compare.js';

type QuantCost = ResultOf<'evals.quantCost'>;

/**
 * "What did quantisation cost?": the finished evals, on the reference's data and split, of GGUF files that descend
 * from the reference's model or adapters (conversions and exports register them as children), each compared with
 * the reference item by item (paired bootstrap), with size on disk and generation speed beside the quality delta.
 */
export function quantCost(db: Database.Database, referenceEvalId: string, resamples: number): QuantCost {
  const ref = getSummary(db, referenceEvalId);
  const models = modelQueries(db);
  const sources = new Set([ref.modelId, ...ref.adapterIds]);
  const descends = (m: ModelRow | undefined): boolean => {
    for (let cur = m, hops = 0; cur && hops < 20; cur = cur.parent_id ? models.get(cur.parent_id) : undefined, hops++) {
      if (cur.id !== m!.id && sources.has(cur.id)) return true;
    }
    return false;
  };
  const latest = new Map<string, ReturnType<typeof getSummary>>();
  for (const row of evalQueries(db).list(10_000)) {
    const e = getSummary(db, row.id);
    if (e.status !== 'done' || e.id === ref.id || e.datasetVersionId !== ref.datasetVersionId || e.split !== ref.split || e.adapterIds.length) continue;
    const m = models.get(e.modelId);
    if (!m || m.kind !== 'gguf' || !descends(m)) continue;
    const known = latest.get(m.id);
    if (!known || known.createdAt < e.createdAt) latest.set(m.id, e);
  }
  const speed = (e: ReturnType<typeof getSummary>) => (e.meanLatencyMs && e.doneItems ? e.totalTokens / ((e.meanLatencyMs * e.doneItems) / 1000) : null);
  const bytes = (ids: string[]) => ids.reduce((s, id) => s + (models.get(id)?.size_bytes ?? 0), 0);
  const quants = [...latest.values()].map((e) => {
    const m = models.get(e.modelId)!;
    const c = compareEvals(db, { aEvalId: ref.id, bEvalId: e.id, metric: 'f1', resamples, seed: 0 });
    return {
      evalId: e.id, modelId: m.id, label: m.name, quant: m.quantization ?? 'GGUF', bytes: m.size_bytes, meanLatencyMs: e.meanLatencyMs, tokensPerSecond: speed(e),
      metrics: c.metrics.map((x) => ({ metric: x.metric, reference: x.a, quant: x.b, delta: x.interval.delta, low: x.interval.low, high: x.interval.high })),
      n: c.metrics[0]?.interval.n ?? 0,
    };
  });
  quants.sort((a, b) => b.bytes - a.bytes);
  return {
    reference: { evalId: ref.id, label: ref.label, bytes: bytes([ref.modelId, ...ref.adapterIds]), meanLatencyMs: ref.meanLatencyMs, tokensPerSecond: speed(ref), f1: ref.scores?.f1 ?? null },
    quants,
  };
}
