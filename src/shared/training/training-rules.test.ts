import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { CHUNKED_LOSS_FAMILIES, diskBudget, LOSS_CHUNK_ROWS, largestParametersThatFit, loraParameterCount, memoryBreakdown, parameterCount, shapeFromHfConfig, type EstimateSettings } from './memory-estimate.js';
import { presetValues } from './presets.js';

const tinyConfig = {
  hidden_size: 64, head_dim: 8, intermediate_size: 176, num_attention_heads: 8, num_hidden_layers: 2,
  num_key_value_heads: 4, tie_word_embeddings: false, vocab_size: 512,
};
// Qwen2.5-0.5B's published shape: 494,032,768 parameters (tied embeddings, biases on q/k/v not counted here).
const qwenHalfB = {
  hidden_size: 896, intermediate_size: 4864, num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2,
  tie_word_embeddings: true, vocab_size: 151936,
};

const settings: EstimateSettings = { method: 'lora', loraRank: 8, maxSeqLen: 512, microBatchSize: 4, gradAccum: 1, maxSteps: 100, precision: 'bf16', gradientCheckpointing: false };

describe('parameter counts from config.json', () => {
  it('match the tiny model and a published Qwen shape', () => {
    expect(parameterCount(shapeFromHfConfig(tinyConfig))).toBe(158_016); // the tiny model's manifest says 158,016
    const qwen = parameterCount(shapeFromHfConfig(qwenHalfB));
    expect(Math.abs(qwen - 494_032_768) / 494_032_768).toBeLessThan(0.001);
    // LoRA on all seven linears: rank × (in + out) each.
    expect(loraParameterCount(shapeFromHfConfig(tinyConfig), 4)).toBe(2 * 4 * (64 + 64 + 64 + 32 + 64 + 32 + 64 + 64 + 64 + 176 + 64 + 176 + 176 + 64));
  });

  it('names the missing field of a config that is not a decoder', () => {
    expect(() => shapeFromHfConfig({ vocab_size: 10 })).toThrow(/hidden_size/);
  });
});

describe('memory estimate', () => {
  const shape = shapeFromHfConfig(qwenHalfB);
  it('orders methods and options the way the memory really goes', () => {
    const lora = memoryBreakdown(shape, settings, 'cuda');
    const full = memoryBreakdown(shape, { ...settings, method: 'full' }, 'cuda');
    const qlora = memoryBreakdown(shape, { ...settings, method: 'qlora' }, 'cuda');
    const ckpt = memoryBreakdown(shape, { ...settings, gradientCheckpointing: true }, 'cuda');
    expect(full.total).toBeGreaterThan(lora.total);
    expect(qlora.weights).toBeLessThan(lora.weights);
    // Checkpointing drops the saved layer activations (not the fp32 logits of the loss).
    const logits = 512 * 4 * qwenHalfB.vocab_size * 4 * 3;
    expect(lora.activations - ckpt.activations).toBeGreaterThan(0.7 * (lora.activations - logits));
    expect(full.optimizer).toBe(full.parameters * 8);
    const longer = memoryBreakdown(shape, { ...settings, maxSeqLen: 1024 }, 'cuda');
    expect(longer.activations).toBeCloseTo(lora.activations * 2, -3);
  });

  it('counts one chunk of fp32 logits for a family the trainer chunks, all of them otherwise', () => {
    const chunked = shapeFromHfConfig({ ...qwenHalfB, model_type: 'qwen2' });
    const plain = shapeFromHfConfig({ ...qwenHalfB, model_type: 'cohere' });
    expect(chunked.chunkedLoss).toBe(true);
    expect(plain.chunkedLoss).toBe(false);
    const tokens = settings.maxSeqLen * settings.microBatchSize; // 2048 > one chunk of 1024 rows
    const saved = memoryBreakdown(plain, settings, 'cuda').activations - memoryBreakdown(chunked, settings, 'cuda').activations;
    expect(saved).toBe((tokens - LOSS_CHUNK_ROWS) * qwenHalfB.vocab_size * 4 * 3);
  });

  it('gives each GPU 1/N of weights, gradients and optimizer with FSDP, a whole copy with DDP', () => {
    const full = { ...settings, method: 'full' as const };
    const one = memoryBreakdown(shape, full, 'cuda');
    const ddp = memoryBreakdown(shape, { ...full, worldSize: 4, sharding: 'ddp' }, 'cuda');
    const fsdp = memoryBreakdown(shape, { ...full, worldSize: 4, sharding: 'fsdp' }, 'cuda');
    expect(ddp.total).toBe(one.total);
    expect(fsdp.optimizer).toBeCloseTo(one.optimizer / 4, 0);
    expect(fsdp.weights).toBeLessThan(one.weights / 2);
    expect(fsdp.weights).toBeGreaterThan(one.weights / 4);
    expect(fsdp.activations).toBe(one.activations); // each GPU still runs its own micro-batch
    expect(fsdp.total).toBeLessThan(one.total);
  });

  it('budgets disk for the checkpoints kept at once (newest N + the best) and the output', () => {
    const b = { parameters: 1e9, trainable: 1e7 };
    const every = diskBudget(b, { maxSteps: 1000, checkpointEvery: 100, keepCheckpoints: 0 });
    const kept = diskBudget(b, { maxSteps: 1000, checkpointEvery: 100, keepCheckpoints: 3 });
    expect(every.checkpoints).toBe(10);
    expect(kept.checkpoints).toBe(4); // 3 newest + the best
    expect(kept.checkpointBytes).toBeGreaterThan(b.trainable * 12); // weights + two AdamW moments
    expect(kept.totalBytes).toBe(kept.checkpointBytes * 4 + b.trainable * 4);
    expect(diskBudget(b, { maxSteps: 50, checkpointEvery: 0, keepCheckpoints: 3 }).checkpoints).toBe(1); // only the final one
  });

  it('lists the same chunked-loss families as the trainer', () => {
    const loss = fs.readFileSync(path.resolve('resources/trainer/lathe_trainer/train/loss.py'), 'utf8');
    const heads = /HEADS: dict\[str, str \| None\] = \{([\s\S]*?)\n\}/.exec(loss)?.[1] ?? '';
    const trainer = [...heads.matchAll(/"([a-z0-9_]+)":/g)].map((m) => m[1]).sort();
    expect(trainer.length).toBeGreaterThan(3);
    expect([...CHUNKED_LOSS_FAMILIES].sort()).toEqual(trainer);
  });

  it('finds a largest model that grows with the budget and fits it', () => {
    const b = memoryBreakdown(shape, settings, 'cuda');
    const at80 = largestParametersThatFit(80 * 2 ** 30, b);
    const at140 = largestParametersThatFit(140 * 2 ** 30, b);
    expect(at140).toBeGreaterThan(at80);
    expect(at80).toBeGreaterThan(b.parameters);
    expect(largestParametersThatFit(b.total / 10, b)).toBeLessThan(b.parameters);
  });
});

describe('presets', () => {
  it('scale steps with the dataset, within each preset\'s bounds', () => {
    const small = presetValues({ preset: 'balanced', trainExamples: 400, parameters: 1.5e9 }).values;
    const big = presetValues({ preset: 'balanced', trainExamples: 40_000, parameters: 1.5e9 }).values;
    expect(small.maxSteps).toBe(Math.ceil((2 * 400) / 16));
    expect(big.maxSteps).toBe(2000);
    expect(small.microBatchSize * small.gradAccum).toBe(16);
    expect(small.checkpointEvery).toBeLessThanOrEqual(small.maxSteps);
  });

  it('lower the learning rate and micro batch for larger models, and raise rank with thoroughness', () => {
    const p1 = presetValues({ preset: 'balanced', trainExamples: 1000, parameters: 1e9 }).values;
    const p70 = presetValues({ preset: 'balanced', trainExamples: 1000, parameters: 70e9 }).values;
    expect(p70.lr).toBeLessThan(p1.lr);
    expect(p70.microBatchSize).toBe(1);
    const q = presetValues({ preset: 'quick', trainExamples: 1000, parameters: 1e9 }).values;
    const t = presetValues({ preset: 'thorough', trainExamples: 1000, parameters: 1e9 }).values;
    expect(q.loraRank).toBeLessThan(t.loraRank);
    expect(q.maxSteps * q.microBatchSize * q.gradAccum).toBeLessThan(t.maxSteps * t.microBatchSize * t.gradAccum);
    expect(t.lr).toBeLessThan(q.lr);
  });

  it('fits the tiny demo model and sizes the context from the data', () => {
    const tiny = presetValues({ preset: 'quick', trainExamples: 52, parameters: 158_016, medianTokens: 90 });
    expect(tiny.values.lr).toBe(5e-3);
    expect(tiny.values.maxSeqLen).toBe(256);
    expect(tiny.why.join(' ')).toMatch(/passes over 52 examples/);
  });
});

describe('attention memory', () => {
  it('adds the seq² score matrices only for eager attention, growing with the square of the length', () => {
    const tiny = shapeFromHfConfig(tinyConfig);
    const base = { ...settings, precision: 'fp32' as const, maxSeqLen: 512 };
    const sdpa = memoryBreakdown(tiny, base, 'cpu');
    const eager = memoryBreakdown(tiny, { ...base, attention: 'eager' }, 'cpu');
    const eagerLong = memoryBreakdown(tiny, { ...base, attention: 'eager', maxSeqLen: 1024 }, 'cpu');
    const sdpaLong = memoryBreakdown(tiny, { ...base, maxSeqLen: 1024 }, 'cpu');
    expect(eager.activations - sdpa.activations).toBe(2 * 8 * 512 * 512 * 4 * 2.5 * 4);
    expect(eagerLong.activations - sdpaLong.activations).toBe(4 * (eager.activations - sdpa.activations));
  });
});
