import type { LlamaModel } from 'node-llama-cpp';
import os from 'node:os';

/**
 * How much memory the resident model set may hold: LATHE_INFERENCE_BUDGET_MB, else half the machine's RAM
 * (the engine, the trainer and the OS need the rest; VRAM is governed by llama.cpp's own 'auto' offload).
 */
export function memoryBudgetBytes(): number {
  const forced = Number(process.env.LATHE_INFERENCE_BUDGET_MB);
  if (Number.isFinite(forced) && forced > 0) return forced * 1024 * 1024;
  return Math.floor(os.totalmem() * 0.5);
}

const SIZES = [32_768, 16_384, 8192, 4096, 2048, 1024, 512];

/**
 * The largest context (up to the model's trained length and 8k by default) whose KV cache fits in a quarter of
 * the free RAM, so a long chat never pushes the machine into swap. An explicit size is honoured as asked.
 */
export async function chooseContextSize(model: LlamaModel, requested?: number): Promise<{ contextSize: number; bytes: number }> {
  const estimate = async (contextSize: number) => {
    try {
      const r = await model.fileInsights.estimateContextResourceRequirementsV2({ contextSize, modelGpuLayers: model.gpuLayers, sequences: 1 });
      return r.cpuRam + r.gpuVram;
    } catch {
      return contextSize * 64 * 1024; // a conservative guess when the file lacks what the estimate needs
    }
  };
  if (requested) return { contextSize: requested, bytes: await estimate(requested) };
  const cap = Math.min(model.trainContextSize || 2048, Number(process.env.LATHE_CONTEXT_MAX) || 8192);
  const allowance = os.freemem() / 4;
  for (const size of SIZES) {
    if (size > cap) continue;
    const bytes = await estimate(size);
    if (bytes <= allowance) return { contextSize: size, bytes };
  }
  const smallest = Math.min(cap, 512);
  return { contextSize: smallest, bytes: await estimate(smallest) };
}
