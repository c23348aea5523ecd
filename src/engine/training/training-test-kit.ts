import path from 'node:path';
import { inject } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';

/** Shared by the training tests: an engine on a fresh data folder with the Northwind sample imported. */
export const sample = path.resolve('resources/samples/northwind-qa.jsonl');

export async function trainingEngine(engines: Engine[], dataDir = path.join(tempDir(), 'data')) {
  const engine = Engine.open({ dataDir, mode: 'test' });
  engines.push(engine);
  const imported = await engine.call('datasets.import', { path: sample, datasetName: 'northwind' });
  const baseModelDir = path.join(path.dirname(inject('tinyGguf')), 'hf');
  return { engine, dataDir, versionId: imported.versionId, baseModelDir };
}

export function waitForRun(engine: Engine, runId: string, done: (r: RunSummary) => boolean, timeoutMs = 120_000): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not reach the state in time`)), timeoutMs);
    const check = (r: RunSummary) => {
      if (r.id === runId && done(r)) {
        clearTimeout(timer);
        stop();
        resolve(r);
      }
    };
    const stop = engine.ctx.events.listen('run.updated', check);
    void engine.call('runs.get', { runId }).then(check);
  });
}

export function firstMetrics(engine: Engine, runId: string): Promise<number> {
  return new Promise((resolve) => {
    const stop = engine.ctx.events.listen('run.metrics', (m) => {
      if (m.runId !== runId) return;
      stop();
      resolve(m.step);
    });
  });
}

export const finished = (r: RunSummary) => r.status !== 'running' && r.status !== 'queued';

export const quick = { maxSteps: 6, lr: 0.01, loraRank: 4, maxSeqLen: 256, microBatchSize: 2, gradAccum: 1, checkpointEvery: 2, device: 'cpu' as const };
