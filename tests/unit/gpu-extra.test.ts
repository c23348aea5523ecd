import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error - a plain .mjs script without types
import { gpuExtraDecision } from '../../scripts/gpu-extra.mjs';

type Decision = { install: boolean; reason: string };
const decide = gpuExtraDecision as (env: NodeJS.ProcessEnv) => Decision;

/** A folder whose `nvidia-smi` prints `output` (the GPU is simulated: none exists on CI). */
function fakeSmi(output: string, status = 0): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-fake-smi-'));
  fs.writeFileSync(path.join(dir, 'nvidia-smi'), `#!/bin/sh\nprintf '%s' '${output}'\nexit ${status}\n`, { mode: 0o755 });
  return dir;
}

describe('the GPU extra (bitsandbytes, liger-kernel) in setup:python', () => {
  it('is installed when nvidia-smi lists a GPU (simulated nvidia-smi)', () => {
    const d = decide({ PATH: `${fakeSmi('GPU 0: NVIDIA H200 (UUID: GPU-1)\\n')}:/usr/bin:/bin` });
    expect(d.install).toBe(true);
    expect(d.reason).toMatch(/H200/);
  });

  it('is not installed without nvidia-smi, or when it lists none or fails', () => {
    expect(decide({ PATH: '/nonexistent' }).install).toBe(false);
    expect(decide({ PATH: `${fakeSmi('No devices were found\\n')}:/usr/bin:/bin` }).install).toBe(false);
    expect(decide({ PATH: `${fakeSmi('', 9)}:/usr/bin:/bin` }).install).toBe(false);
  });

  it('follows LATHE_GPU_EXTRA either way', () => {
    expect(decide({ PATH: '/nonexistent', LATHE_GPU_EXTRA: '1' }).install).toBe(true);
    expect(decide({ PATH: `${fakeSmi('GPU 0: NVIDIA H100\\n')}:/usr/bin:/bin`, LATHE_GPU_EXTRA: '0' }).install).toBe(false);
  });

  it('pins versions pip can install offline from a wheelhouse', () => {
    const text = fs.readFileSync(path.resolve('resources/trainer/requirements-gpu.txt'), 'utf8');
    const pins = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(pins.map((l) => l.split('==')[0]).sort()).toEqual(['bitsandbytes', 'liger-kernel']);
    for (const pin of pins) expect(pin).toMatch(/^[a-z-]+==\d+\.\d+\.\d+$/);
  });
});
