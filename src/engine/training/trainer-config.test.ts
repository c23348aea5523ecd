import { describe, expect, it } from 'vitest';
import { startRunArgs } from '../../shared/contract/features/runs.js';
import { trainerConfig } from './materialize.js';

const base = { baseModelDir: '/models/llama', datasetVersionId: 'v1' };
const data = { train: '/run/train.jsonl', validation: null };

describe('run.json for the trainer', () => {
  it('writes sharding only when the run splits the model over several GPUs', () => {
    const plain = trainerConfig(startRunArgs.parse({ ...base, devices: [0, 1] }), '/run/out', data);
    expect(plain.devices).toEqual([0, 1]);
    expect(plain).not.toHaveProperty('sharding'); // an older trainer is not handed a key it would refuse
    const split = trainerConfig(startRunArgs.parse({ ...base, method: 'full', devices: [0, 1, 2, 3], sharding: 'fsdp' }), '/run/out', data);
    expect(split.sharding).toBe('fsdp');
    expect(() => startRunArgs.parse({ ...base, sharding: 'zero3' })).toThrow();
  });
});
