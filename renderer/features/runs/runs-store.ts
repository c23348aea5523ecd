import { create } from 'zustand';
import type { LatheErrorData, RunSummary } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';

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

/*
 * The Runs pages' requests about one run. The runs themselves live in the store above (useRuns): each
 * answer that describes a run is put there, so the list and the detail show the same run.
 */

/** Puts the run an answer describes into the shared runs store, and passes it on. */
async function keep(run: Promise<RunSummary>): Promise<RunSummary> {
  const answer = await run;
  useRuns.getState().upsert(answer);
  return answer;
}

/** Reads one run afresh (opening its page). */
export async function loadRun(runId: string): Promise<RunSummary> {
  return keep(getClient().send('runs.get', { runId }));
}

/** Asks a running run to stop; it saves a checkpoint and its status changes when the trainer has stopped. */
export async function stopRun(runId: string): Promise<void> {
  await getClient().send('runs.stop', { runId });
}

/** Takes a queued run out of the queue. */
export async function cancelRun(runId: string): Promise<RunSummary> {
  return keep(getClient().send('runs.cancel', { runId }));
}

/** Continues a stopped or interrupted run from its latest checkpoint. */
export async function resumeRun(runId: string): Promise<RunSummary> {
  return keep(getClient().send('runs.resume', { runId }));
}

/** Starts a new run from this run's manifest (same settings, data and seed) to compare the weights' sha256. */
export async function reproduceRun(runId: string): Promise<RunSummary> {
  return keep(getClient().send('runs.reproduce', { runId }));
}
