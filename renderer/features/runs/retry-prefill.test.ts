import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/shared/contract/index.js';
import { prefillFromRun, retryChanges } from './retry-prefill.js';

const run = { id: 'r1', name: 'first', status: 'failed' } as RunSummary;

describe('retry prefill', () => {
  it('fills the form with every stored setting and names the retry after the run', () => {
    const p = prefillFromRun(run, { baseModelDir: '/m/tiny', datasetVersionId: 'v1', maxSteps: 3, lr: 0.01, device: 'cpu', seed: 7, name: 'first' });
    expect(p.form).toMatchObject({ baseModelDir: '/m/tiny', datasetVersionId: 'v1', maxSteps: 3, lr: 0.01, device: 'cpu', seed: 7, name: 'first (retry)', method: 'lora' });
    expect(p.source).toBe('version');
    const mixed = prefillFromRun(run, { baseModelDir: '/m', datasetVersionId: 'v1', recipe: [{ datasetVersionId: 'v2', ratio: 1 }] });
    expect(mixed.source).toBe('recipe');
    expect(mixed.recipe).toEqual([{ datasetVersionId: 'v2', ratio: 1 }]);
    expect('recipe' in mixed.form).toBe(false);
  });

  it('sends what the form shows: settings it no longer has become null, so the engine drops them', () => {
    const previous = { baseModelDir: '/m/a', datasetVersionId: 'v1', recipe: [{ datasetVersionId: 'v2', ratio: 1 }], packing: true, name: 'first' };
    const changes = retryChanges({ baseModelDir: '/m/b', datasetVersionId: 'v3', packing: undefined, maxSteps: 2 }, previous);
    expect(changes).toEqual({ baseModelDir: '/m/b', datasetVersionId: 'v3', maxSteps: 2, recipe: null, packing: null });
  });
});
