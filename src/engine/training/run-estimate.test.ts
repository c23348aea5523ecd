import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/contract/features/runs.js';
import type { Engine } from '../engine.js';
import { finished, trainingEngine, waitForRun } from './training-test-kit.js';

/**
 * The memory estimate against what the real trainer measures on the tiny model (CPU: peak RSS). Library and
 * interpreter memory is the same for every run, so the check compares the difference between a large and a
 * small step shape: estimated extra bytes vs measured extra peak RSS. Continued pre-training without packing
 * fills every row to the sequence length, which is the shape the estimate assumes.
 */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

/** The estimate must be within this factor of the measurement, either way. */
const FACTOR = 1.5;

describe('memory and time estimate', () => {
  it('matches the measured peak memory of the tiny model within a factor of 1.5', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const shapes = { small: { maxSeqLen: 32, microBatchSize: 1 }, large: { maxSeqLen: 512, microBatchSize: 16 } };
    const common = { baseModelDir, method: 'lora' as const, loraRank: 8, gradAccum: 1, maxSteps: 1, device: 'cpu' as const };
    const est = {
      small: await engine.call('runs.estimate', { ...common, ...shapes.small }),
      large: await engine.call('runs.estimate', { ...common, ...shapes.large }),
    };
    expect(est.small).toMatchObject({ parameters: 158_016, precision: 'fp32', fits: true, device: { kind: 'cpu' } });
    expect(est.large.bytes.activations).toBeGreaterThan(est.small.bytes.activations * 50);
    expect(est.large.seconds).toBeGreaterThan(0);

    const peak: Record<string, number> = {};
    const runs: RunSummary[] = [];
    for (const [name, shape] of Object.entries(shapes)) {
      const started = await engine.call('runs.start', { ...common, ...shape, datasetVersionId: versionId, objective: 'cpt', packing: false, lr: 0.01, checkpointEvery: 0 });
      const run = await waitForRun(engine, started.id, finished);
      expect(run.status).toBe('completed');
      runs.push(run);
      const { series } = await engine.call('runs.metrics', { runId: run.id });
      peak[name] = Math.max(...series.memory_bytes!.map(([, v]) => v));
    }
    const measured = peak.large! - peak.small!;
    const estimated = est.large.bytes.total - est.small.bytes.total;
    console.log(`estimate vs measured (large - small step): ${(estimated / 2 ** 20).toFixed(1)} MiB vs ${(measured / 2 ** 20).toFixed(1)} MiB`);
    expect(measured).toBeGreaterThan(0);
    expect(estimated / measured).toBeGreaterThan(1 / FACTOR);
    expect(estimated / measured).toBeLessThan(FACTOR);

    // The measured speed now replaces the FLOPs guess for this model on the CPU.
    const again = await engine.call('runs.estimate', { ...common, ...shapes.large });
    expect(again.notes.join(' ')).toMatch(/earlier runs of this model/);

    // Each run kept the estimate it was queued with and the seconds its trainer ran (issue 19 item 2)…
    const raw = (r: RunSummary) => (r.events.find((e) => e.kind === 'estimated')!.data as { rawSeconds: number }).rawSeconds;
    const startup = (r: RunSummary) => r.timing.ranSeconds! - (r.result!.train_seconds as number);
    const stepFactor = (r: RunSummary) => (r.result!.train_seconds as number) / raw(r);
    for (const r of runs) {
      expect(r.timing.estimatedSeconds).toBeGreaterThan(0);
      expect(r.timing.ranSeconds).toBeGreaterThan(r.result!.train_seconds as number);
    }
    // …the first with nothing to calibrate by (a start-up guess plus the speed estimate), the second calibrated by
    // the first: its measured start-up plus its step time against the estimate…
    const [first, second] = runs as [RunSummary, RunSummary];
    expect(first.events.find((e) => e.kind === 'estimated')!.message).toMatch(/^Estimated to take about .+ on CPU \(\d+ cores\), of which .+ start-up\.$/);
    expect(second.timing.estimatedSeconds).toBeCloseTo(startup(first) + raw(second) * stepFactor(first), 6);
    // …and now by both: the medians.
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[1]!;
    expect(again.startupSeconds).toBeCloseTo(median(runs.map(startup)), 6);
    expect(again.seconds).toBeCloseTo(again.startupSeconds + again.rawSeconds * median(runs.map(stepFactor)), 6);
    expect(again.notes.join(' ')).toMatch(/calibrated by 2 earlier runs of this model on this CPU: start-up about \d+ s/);
  }, 240_000);

  it('counts two sequences per example for pairwise preference objectives (chosen and rejected), one for KTO', async () => {
    const { engine, baseModelDir } = await trainingEngine(engines);
    const common = { baseModelDir, method: 'lora' as const, loraRank: 8, maxSeqLen: 256, microBatchSize: 4, gradAccum: 1, maxSteps: 10, device: 'cpu' as const };
    const [sft, dpo, kto] = await Promise.all((['sft', 'dpo', 'kto'] as const).map((objective) => engine.call('runs.estimate', { ...common, objective })));
    expect(dpo!.bytes.activations).toBeGreaterThan(sft!.bytes.activations * 1.9);
    expect(dpo!.rawSeconds).toBeCloseTo(sft!.rawSeconds * 2, 5);
    expect(dpo!.seconds - dpo!.startupSeconds).toBeCloseTo((sft!.seconds - sft!.startupSeconds) * 2, 5);
    expect(kto!.bytes).toEqual(sft!.bytes);
  });

  it('says what is wrong with a folder that is not a model', async () => {
    const { engine } = await trainingEngine(engines);
    await expect(engine.call('runs.estimate', { baseModelDir: '/no/such/folder', device: 'cpu' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: /config\.json/ });
  });
});
