/**
 * Quick / balanced / thorough: hyper-parameters from the dataset size and the model size. One rule for the
 * Train page, the CLI and tests. The numbers follow common LoRA practice: 1–3 passes over the data, an
 * effective batch of 8–32 examples, rank 8–32, a learning rate that shrinks for larger models, and checkpoints
 * and validation passes spread over the run.
 */

export type PresetId = 'quick' | 'balanced' | 'thorough';

export interface PresetInput {
  preset: PresetId;
  trainExamples: number;
  /** Parameters of the base model (0 when unknown: treated as a 1B model). */
  parameters: number;
  /** Median tokens per example, when known: sets the sequence length. */
  medianTokens?: number;
}

export interface PresetValues {
  maxSteps: number;
  lr: number;
  loraRank: number;
  maxSeqLen: number;
  microBatchSize: number;
  gradAccum: number;
  checkpointEvery: number;
  evalEvery: number;
}

export const presetInfo: Record<PresetId, { label: string; blurb: string }> = {
  quick: { label: 'Quick', blurb: 'About one pass over the data: does the recipe learn at all?' },
  balanced: { label: 'Balanced', blurb: 'Two passes, rank 16: a first real adapter.' },
  thorough: { label: 'Thorough', blurb: 'Three passes, rank 32, lower rate, longer context: the release candidate.' },
};

const RULES: Record<PresetId, { epochs: number; batch: number; rank: number; minSteps: number; maxSteps: number; lrScale: number; seq: number }> = {
  quick: { epochs: 1, batch: 8, rank: 8, minSteps: 20, maxSteps: 200, lrScale: 1, seq: 512 },
  balanced: { epochs: 2, batch: 16, rank: 16, minSteps: 50, maxSteps: 2000, lrScale: 1, seq: 1024 },
  thorough: { epochs: 3, batch: 32, rank: 32, minSteps: 100, maxSteps: 10_000, lrScale: 0.5, seq: 2048 },
};

const TINY = 10_000_000;

export function presetValues(input: PresetInput): { values: PresetValues; why: string[] } {
  const r = RULES[input.preset];
  const params = input.parameters > 0 ? input.parameters : 1e9;
  const why: string[] = [];
  const microBatchSize = params >= 15e9 ? 1 : params >= 3e9 ? 2 : 4;
  const batch = Math.max(1, Math.min(r.batch, input.trainExamples || r.batch));
  const gradAccum = Math.max(1, Math.ceil(batch / microBatchSize));
  const effective = microBatchSize * gradAccum;
  const rawSteps = Math.ceil((r.epochs * Math.max(1, input.trainExamples)) / effective);
  const maxSteps = clamp(rawSteps, r.minSteps, r.maxSteps);
  why.push(`${maxSteps} steps ≈ ${((maxSteps * effective) / Math.max(1, input.trainExamples)).toFixed(1)} passes over ${input.trainExamples} examples at ${effective} per step` +
    (maxSteps !== rawSteps ? ` (${r.epochs} pass${r.epochs > 1 ? 'es' : ''} would be ${rawSteps}; kept within ${r.minSteps}–${r.maxSteps})` : ''));
  why.push(`micro batch ${microBatchSize} × accumulation ${gradAccum} for a ${formatParams(params)} model`);
  // LoRA's usual 2e-4 for ~1B models, scaled by (1B / N)^0.25; tiny test models learn at a much higher rate.
  const lr = params < TINY ? 5e-3 * r.lrScale : round2(2e-4 * (1e9 / params) ** 0.25 * r.lrScale);
  why.push(params < TINY ? `learning rate ${lr} (a tiny model needs a high rate)` : `learning rate ${lr.toExponential(1)}, lower for larger models`);
  const loraRank = params < TINY ? Math.min(8, r.rank) : r.rank;
  why.push(`LoRA rank ${loraRank}`);
  const maxSeqLen = input.medianTokens ? clamp(pow2AtLeast(input.medianTokens * 2), 256, 8192) : r.seq;
  why.push(input.medianTokens ? `sequence length ${maxSeqLen}: twice the median example (${Math.round(input.medianTokens)} tokens)` : `sequence length ${maxSeqLen}`);
  const checkpointEvery = Math.max(10, Math.round(maxSteps / 5));
  const evalEvery = Math.max(10, Math.round(maxSteps / 10));
  return { values: { maxSteps, lr, loraRank, maxSeqLen, microBatchSize, gradAccum, checkpointEvery, evalEvery }, why };
}

export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const pow2AtLeast = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(1, v)));
/** Two significant digits, so the form shows 1.2e-4 rather than 0.00011892. */
const round2 = (v: number) => Number(v.toPrecision(2));
