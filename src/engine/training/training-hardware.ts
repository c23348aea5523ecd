import os from 'node:os';
import { runTrainerCommand } from './trainer-command.js';

export interface TrainingHardware {
  gpus: Array<{ index: number; name: string; vramBytes: number | null }>;
  ramTotalBytes: number;
  cpuCount: number;
}

/**
 * What the trainer will see: its own `doctor` (torch's CUDA view), asked once per engine because importing torch
 * takes seconds. Without a working Python it answers "no GPUs": runs then fail with the trainer's own error.
 */
export function trainingHardwareProbe(dataDir: string): () => Promise<TrainingHardware> {
  let cached: Promise<TrainingHardware> | null = null;
  return () =>
    (cached ??= runTrainerCommand(['doctor'], { dataDir })
      .then((done) => {
        const gpus = (done.gpus as Array<{ name: string; vram_bytes: number | null; kind: string }> | undefined) ?? [];
        return {
          gpus: gpus.filter((g) => g.kind !== 'mps').map((g, index) => ({ index, name: g.name, vramBytes: g.vram_bytes })),
          ramTotalBytes: os.totalmem(),
          cpuCount: os.availableParallelism(),
        };
      })
      .catch(() => cpuOnlyHardware()));
}

/** The machine as a CPU-only run sees it: no probe (no torch import) needed. */
export function cpuOnlyHardware(): TrainingHardware {
  return { gpus: [], ramTotalBytes: os.totalmem(), cpuCount: os.availableParallelism() };
}

/**
 * The devices a run occupies: one training job per GPU at a time, one CPU job at a time. `auto` takes the
 * first GPU when there is one (the trainer's own choice), else the CPU.
 */
export function runSlot(device: 'auto' | 'cpu' | 'cuda', devices: number[], hw: TrainingHardware | null): string[] {
  if (device === 'cpu' || (device === 'auto' && !hw?.gpus.length)) return ['cpu'];
  const ids = devices.length ? devices : [0];
  return ids.map((i) => `cuda:${i}`);
}
