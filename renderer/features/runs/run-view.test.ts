import { describe, expect, it } from 'vitest';
import { useRuns } from './runs-store.js';
import { chartRows, configEntries, downsample, targetState, timingText } from './run-view.js';

describe('run view', () => {
  it('downsamples long series to the cap, keeping the first and the newest point', () => {
    const points = Array.from({ length: 10_001 }, (_, i) => i);
    const out = downsample(points, 2000);
    expect(out.length).toBeLessThanOrEqual(2001);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(10_000);
    expect(downsample([1, 2, 3], 2000)).toEqual([1, 2, 3]);
  });

  it('joins series by step, leaving gaps where one has no value', () => {
    const rows = chartRows({ loss: [[1, 3], [2, 2.5], [3, 2]], val_loss: [[2, 2.8]] }, ['loss', 'val_loss']);
    expect(rows).toEqual([{ step: 1, loss: 3 }, { step: 2, loss: 2.5, val_loss: 2.8 }, { step: 3, loss: 2 }]);
  });

  it('lists the trainer config as readable pairs, flattening nested settings', () => {
    const entries = configEntries({ seed: 1, method: 'lora', lora: { rank: 4 }, max_steps: 10, data: { train: ['/a.jsonl'], validation: null } });
    expect(entries.map((e) => [e.label, e.value])).toEqual([
      ['Method', 'LoRA'],
      ['Steps', '10'],
      ['LoRA rank', '4'],
      ['Seed', '1'],
      ['Training data', '/a.jsonl'],
      ['Validation data', '—'],
    ]);
  });

  it('appends live metrics and drops steps a resume from an earlier checkpoint replays', () => {
    const receive = useRuns.getState().receiveMetrics;
    receive([1, 2].map((step) => ({ runId: 'r', step, values: { loss: 10 - step } })));
    receive([{ runId: 'r', step: 3, values: { loss: 7 } }, { runId: 'other', step: 1, values: { loss: 5 } }, { runId: 'r', step: 4, values: { loss: 6 } }]);
    expect(useRuns.getState().metrics['other']!.series['loss']).toEqual([[1, 5]]);
    receive([{ runId: 'r', step: 3, values: { loss: 1 } }]);
    expect(useRuns.getState().metrics['r']!.series['loss']).toEqual([[1, 9], [2, 8], [3, 1]]);
  });

  it('sets the time a run took beside its estimate, once a trainer process has ended', () => {
    const t = (ranSeconds: number | null, estimatedSeconds: number | null) => ({ ranSeconds, estimatedSeconds });
    expect(timingText({ status: 'completed', timing: t(212, 780) })).toBe('Took 3 min 32 s · estimated 13 min');
    expect(timingText({ status: 'completed', timing: t(212, null) })).toBe('Took 3 min 32 s');
    expect(timingText({ status: 'stopped', timing: t(95, 780) })).toBe('Ran 1 min 35 s so far · estimated 13 min');
    expect(timingText({ status: 'running', timing: t(95, 780) })).toBeNull(); // resumed: the jobs indicator shows elapsed
    expect(timingText({ status: 'queued', timing: t(null, 780) })).toBeNull();
  });
});

describe('targetState', () => {
  const ev = (kind: string, message: string) => ({ seq: 0, at: '', kind, message, data: null });
  it('says what a running run on a target does there, from its newest target event', () => {
    const events = [ev('started', 'Started on cluster (slurm://).'), ev('staged', 'Copied…'), ev('launched', 'Submitted to Slurm as job 7.'), ev('scheduler', "Waiting in Slurm's queue for 4 GPUs on partition a100: waiting for free resources (place 3 in the queue)."), ev('metrics', 'x')];
    expect(targetState({ target: 'cluster', status: 'running', events })).toBe("Waiting in Slurm's queue for 4 GPUs on partition a100: waiting for free resources (place 3 in the queue).");
    expect(targetState({ target: 'cluster', status: 'running', events: events.slice(0, 1) })).toBe('Copying the model and data to cluster…');
    expect(targetState({ target: 'cluster', status: 'completed', events })).toBeNull();
    expect(targetState({ target: null, status: 'running', events })).toBeNull();
  });
});
