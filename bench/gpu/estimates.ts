/**
 * The Train page's memory estimate for the GPU proof's shapes and settings (bench/gpu/shapes.json), written to
 * bench/gpu/estimates.json so that proof.py can print estimate vs measured peak on a GPU box without Node.
 *
 *   npx tsx bench/gpu/estimates.ts          # rewrite estimates.json
 *
 * tests/unit/gpu-proof-estimates.test.ts fails when the file is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryBreakdown, shapeFromHfConfig, type EstimateSettings } from '../../src/shared/training/memory-estimate.js';

interface ProofEntry { shape: Record<string, unknown>; run: { seq_len: number; micro_batch: number; grad_accum: number; steps: number } }
type Shapes = Record<'gpu' | 'toy', Record<string, ProofEntry>>;

const here = path.dirname(fileURLToPath(import.meta.url));
/** proof.py's LoRA rank, and the precision each side trains in: bf16 on the GPU, fp32 in the CPU dry run. */
const RANK = 16;

export function proofEstimates(shapes: Shapes): Record<'gpu' | 'toy', Record<string, number>> {
  const out = { gpu: {} as Record<string, number>, toy: {} as Record<string, number> };
  for (const kind of ['gpu', 'toy'] as const) {
    for (const [name, entry] of Object.entries(shapes[kind])) {
      const base: EstimateSettings = {
        method: 'lora', loraRank: RANK, maxSeqLen: entry.run.seq_len, microBatchSize: entry.run.micro_batch,
        gradAccum: entry.run.grad_accum, maxSteps: entry.run.steps, precision: kind === 'gpu' ? 'bf16' : 'fp32',
        gradientCheckpointing: false,
      };
      const shape = shapeFromHfConfig(entry.shape);
      const device = kind === 'gpu' ? 'cuda' : 'cpu';
      out[kind][`${name}-lora`] = Math.round(memoryBreakdown(shape, base, device).total);
      if (name === '1b') out[kind][`${name}-qlora`] = Math.round(memoryBreakdown(shape, { ...base, method: 'qlora' }, device).total);
    }
  }
  return out;
}

export function readShapes(): Shapes {
  return JSON.parse(fs.readFileSync(path.join(here, 'shapes.json'), 'utf8')) as Shapes;
}

export const ESTIMATES_FILE = path.join(here, 'estimates.json');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(ESTIMATES_FILE, `${JSON.stringify(proofEstimates(readShapes()), null, 2)}\n`);
  console.log(`wrote ${ESTIMATES_FILE}`);
}
