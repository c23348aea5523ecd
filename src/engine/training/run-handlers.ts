import type { HandlerImpls } from '../../shared/contract/index.js';
import { presetValues } from '../../shared/training/presets.js';
import type { EngineContext } from '../context.js';
import { runQueries } from '../db/queries/runs.js';
import { expandHome } from '../paths.js';
import { requireDb } from '../require-db.js';
import { estimateRun } from './run-estimate.js';
import type { RunSupervisor } from './run-supervisor.js';
import { cpuOnlyHardware } from './training-hardware.js';

type RunImpls = Pick<
  HandlerImpls,
  'runs.start' | 'runs.list' | 'runs.get' | 'runs.metrics' | 'runs.stop' | 'runs.resume' | 'runs.cancel' | 'runs.retry' | 'runs.reproduce' | 'runs.estimate' | 'runs.preset'
>;

export function runHandlers(ctx: EngineContext, runs: RunSupervisor): RunImpls {
  return {
    'runs.start': async (args) => runs.start(args),
    'runs.list': async () => ({ runs: runQueries(requireDb(ctx).db).list().map((r) => runs.summary(r.id)) }),
    'runs.get': async ({ runId }) => runs.summary(runId),
    'runs.metrics': async ({ runId, maxPoints }) => {
      runs.summary(runId);
      const series: Record<string, Array<[number, number]>> = {};
      for (const m of runQueries(requireDb(ctx).db).metrics(runId)) (series[m.name] ??= []).push([m.step, m.value]);
      for (const name of Object.keys(series)) series[name] = downsample(series[name]!, maxPoints);
      return { series };
    },
    'runs.stop': async ({ runId }) => ({ stopping: runs.stop(runId) }),
    'runs.resume': async ({ runId, step }) => runs.resume(runId, step),
    'runs.cancel': async ({ runId }) => runs.cancel(runId),
    'runs.retry': async ({ runId, changes }) => runs.retry(runId, changes),
    'runs.reproduce': async ({ runId }) => runs.reproduce(runId),
    // A CPU estimate needs no GPU probe (which imports torch: seconds).
    'runs.estimate': async (input) => {
      const args = { ...input, baseModelDir: expandHome(input.baseModelDir) };
      return estimateRun(ctx.db, args, args.device === 'cpu' ? cpuOnlyHardware() : await runs.hardware(), ctx.dataDir);
    },
    'runs.preset': async (args) => {
      const { values, why } = presetValues(args);
      return { values: { ...values }, why };
    },
  };
}

/** Keeps every k-th point plus the last, so a chart of 100k steps stays smooth and still ends where the run is. */
export function downsample(points: Array<[number, number]>, max: number): Array<[number, number]> {
  if (points.length <= max) return points;
  const k = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % k === 0);
  if (out.at(-1) !== points.at(-1)) out.push(points.at(-1)!);
  return out;
}
