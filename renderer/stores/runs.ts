import { create } from 'zustand';
import type { LatheErrorData, RunSummary } from '../../src/shared/contract/index.js';
import { getClient } from './connection.js';
import { asErrorData } from './errors.js';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** [step, value] pairs per metric name (loss, lr, grad_norm, tokens_per_s, memory_bytes, val_loss). */
export type MetricSeries = Record<string, Array<[number, number]>>;

/** One live step of a run, as the engine pushes it (`run.metrics`). */
export interface LiveStep {
  runId: string;
  step: number;
  values: Record<string, number>;
}

export interface RunMetricsState {
  status: LoadStatus;
  series: MetricSeries;
}

interface RunsStore {
  runs: RunSummary[];
  status: LoadStatus;
  error: LatheErrorData | null;
  /** Full series for runs opened in detail; a short tail for the rest (the list shows the last step and loss). */
  metrics: Record<string, RunMetricsState>;
  load(): Promise<void>;
  loadMetrics(runId: string, maxPoints?: number): Promise<void>;
  upsert(run: RunSummary): void;
  /** Live steps, applied together (bind.ts collects them for a quarter of a second: one render per batch). */
  receiveMetrics(events: LiveStep[]): void;
}

let generation = 0;

export const useRuns = create<RunsStore>((set, get) => ({
  runs: [],
  status: 'idle',
  error: null,
  metrics: {},

  async load() {
    const mine = ++generation;
    set({ status: get().status === 'ready' ? 'ready' : 'loading', error: null });
    try {
      const { runs } = await getClient().send('runs.list', {});
      if (mine !== generation) return;
      set({ runs, status: 'ready' });
      // The list shows steps done and the last loss: a few points per run is enough for that.
      for (const r of runs) if (!get().metrics[r.id]) void get().loadMetrics(r.id, 10);
    } catch (err) {
      if (mine !== generation) return;
      set({ status: 'error', error: asErrorData(err) });
    }
  },

  async loadMetrics(runId, maxPoints = 2000) {
    const current = get().metrics[runId];
    set((s) => ({ metrics: { ...s.metrics, [runId]: { status: current ? current.status : 'loading', series: current?.series ?? {} } } }));
    try {
      const { series } = await getClient().send('runs.metrics', { runId, maxPoints });
      // Live points that arrived while the request was in flight are kept if they are newer than the answer.
      set((s) => {
        const live = s.metrics[runId]?.series ?? {};
        const merged: MetricSeries = { ...series };
        for (const [name, points] of Object.entries(live)) {
          const last = merged[name]?.at(-1)?.[0] ?? -Infinity;
          const newer = points.filter(([step]) => step > last);
          if (newer.length) merged[name] = [...(merged[name] ?? []), ...newer];
        }
        return { metrics: { ...s.metrics, [runId]: { status: 'ready', series: merged } } };
      });
    } catch {
      set((s) => ({ metrics: { ...s.metrics, [runId]: { status: 'error', series: s.metrics[runId]?.series ?? {} } } }));
    }
  },

  upsert(run) {
    set((s) => {
      const at = s.runs.findIndex((r) => r.id === run.id);
      const runs = at === -1 ? [run, ...s.runs] : s.runs.map((r) => (r.id === run.id ? run : r));
      return { runs };
    });
  },

  receiveMetrics(events) {
    if (!events.length) return;
    set((s) => {
      const metrics = { ...s.metrics };
      const copied = new Set<string>(); // each touched series is copied once per batch, then appended to
      for (const { runId, step, values } of events) {
        const prev = metrics[runId] ?? { status: 'ready' as const, series: {} };
        const series: MetricSeries = copied.has(runId) ? prev.series : { ...prev.series };
        for (const [name, value] of Object.entries(values)) {
          if (!Number.isFinite(value)) continue;
          const own = `${runId}\u0000${name}`;
          let points = series[name] ?? [];
          // A resume from an earlier checkpoint replays steps: drop what it overwrites.
          if (points.length && points[points.length - 1]![0] >= step) points = points.filter(([x]) => x < step);
          else if (!copied.has(own)) points = [...points];
          copied.add(own);
          points.push([step, value]);
          series[name] = points;
        }
        copied.add(runId);
        metrics[runId] = { ...prev, series };
      }
      return { metrics };
    });
  },
}));

export function lastPoint(series: MetricSeries | undefined, name: string): [number, number] | null {
  return series?.[name]?.at(-1) ?? null;
}
