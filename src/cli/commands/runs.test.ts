import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../../engine/engine.js';
import { runsCommand } from './runs.js';

afterEach(() => vi.restoreAllMocks());

function settled(engine: Engine, runId: string): Promise<RunSummary> {
  return new Promise((resolve) => {
    const off = engine.ctx.events.listen('run.updated', (r) => r.id === runId && r.status !== 'running' && r.status !== 'queued' && (off(), resolve(r)));
  });
}

describe('lathe runs (real trainer, tiny model)', () => {
  it('lists and shows runs, stops one another engine trains, and resumes it to the end', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const app = Engine.open({ dataDir, mode: 'test' }); // stands in for the desktop app on the same data folder
    try {
      const imported = await app.call('datasets.import', { path: path.resolve('resources/samples/northwind-qa.jsonl'), datasetName: 'northwind' });
      const baseModelDir = path.join(path.dirname(inject('tinyGguf')), 'hf');
      const started = await app.call('runs.start', { baseModelDir, datasetVersionId: imported.versionId, maxSteps: 60, lr: 0.01, loraRank: 4, maxSeqLen: 256, microBatchSize: 2, checkpointEvery: 0, device: 'cpu' });
      await new Promise<void>((resolve) => app.ctx.events.listen('run.metrics', (m) => m.runId === started.id && resolve()));
      const d = ['--data-dir', dataDir];
      const short = started.id.slice(0, 8);

      const listed = await runCli(runsCommand, ['list', ...d]);
      expect(listed.code).toBe(0);
      expect(listed.out).toMatch(new RegExp(`^${short}  running `, 'm'));
      const shown = await runCli(runsCommand, ['show', short, ...d]);
      expect(shown.out).toMatch(/status {6}running/);

      // The app's engine owns the trainer; `lathe runs stop` in a terminal still stops it, with a checkpoint.
      const ended = settled(app, started.id);
      const stopped = await runCli(runsCommand, ['stop', short, ...d]);
      expect(stopped).toMatchObject({ code: 0, out: expect.stringMatching(/Stopping run/) });
      const run = await ended;
      expect(run.status).toBe('stopped');
      expect(run.checkpoints.length).toBe(1);
      const stoppedAt = run.checkpoints[0]!.step;
      expect(stoppedAt).toBeLessThan(60);

      await expect(runCli(runsCommand, ['stop', short, ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', hint: /lathe runs resume/ });
      await expect(runCli(runsCommand, ['cancel', short, ...d])).rejects.toMatchObject({ message: /not queued/ });

      const resumed = await runCli(runsCommand, ['resume', short, ...d]);
      expect(resumed.out).toContain(`from step ${stoppedAt}`);
      expect(resumed.out).toMatch(/Run completed\./);
      expect(resumed.code).toBe(0);
      expect((await app.call('runs.get', { runId: started.id })).status).toBe('completed');
    } finally {
      await app.dispose();
    }
  }, 240_000);
});
