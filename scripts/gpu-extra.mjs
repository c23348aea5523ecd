/**
 * Whether setup-python installs the trainer's GPU extra (resources/trainer/requirements-gpu.txt: bitsandbytes for
 * QLoRA, liger-kernel). Yes when `nvidia-smi -L` lists a GPU; LATHE_GPU_EXTRA=1 forces it, =0 skips it.
 */
import { spawnSync } from 'node:child_process';

/** @returns {{ install: boolean, reason: string }} */
export function gpuExtraDecision(env = process.env) {
  if (env.LATHE_GPU_EXTRA === '1') return { install: true, reason: 'LATHE_GPU_EXTRA=1' };
  if (env.LATHE_GPU_EXTRA === '0') return { install: false, reason: 'LATHE_GPU_EXTRA=0' };
  const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', env, timeout: 15_000 });
  const gpus = smi.status === 0 ? smi.stdout.split('\n').filter((l) => /^GPU \d+:/.test(l)) : [];
  return gpus.length
    ? { install: true, reason: `nvidia-smi lists ${gpus.length} GPU(s): ${gpus[0].trim()}` }
    : { install: false, reason: 'no NVIDIA GPU found (nvidia-smi)' };
}
