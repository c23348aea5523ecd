import { z } from 'zod';
import { handler } from '../define.js';

export const runStatusSchema = z.enum(['running', 'completed', 'failed', 'stopped', 'interrupted']);

export const runSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: runStatusSchema,
  baseModel: z.string(),
  datasetVersionId: z.string().nullable(),
  outputDir: z.string(),
  config: z.record(z.string(), z.unknown()),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string() }).nullable(),
  stderrTail: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  checkpoints: z.array(z.object({ step: z.number().int(), path: z.string(), sha256: z.string(), createdAt: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const startRunArgs = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    baseModelDir: z.string().min(1),
    datasetVersionId: z.string().min(1),
    method: z.enum(['lora', 'full', 'qlora']).default('lora'),
    objective: z.enum(['sft', 'cpt']).default('sft'),
    maxSteps: z.number().int().min(1).max(1_000_000).default(100),
    lr: z.number().positive().max(1).default(2e-4),
    loraRank: z.number().int().min(1).max(1024).default(16),
    maxSeqLen: z.number().int().min(16).max(131_072).default(512),
    microBatchSize: z.number().int().min(1).max(1024).default(4),
    gradAccum: z.number().int().min(1).max(1024).default(1),
    seed: z.number().int().min(0).default(0),
    checkpointEvery: z.number().int().min(0).default(0),
    evalEvery: z.number().int().min(0).default(0),
    /** Measure the base model's validation loss before the first step (a before/after comparison). */
    evalAtStart: z.boolean().default(false),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  })
  .strict();
export type StartRunArgs = z.output<typeof startRunArgs>;

export const runHandlers = {
  'runs.start': handler({
    summary: 'Writes the run config and the dataset version as JSONL, then starts the trainer; progress arrives as events.',
    args: startRunArgs,
    result: runSummarySchema,
    writes: true,
  }),
  'runs.list': handler({ summary: 'Every run, newest first.', args: z.object({}).strict(), result: z.object({ runs: z.array(runSummarySchema) }), writes: false }),
  'runs.get': handler({ summary: 'One run with its checkpoints.', args: z.object({ runId: z.string().min(1) }).strict(), result: runSummarySchema, writes: false }),
  'runs.metrics': handler({
    summary: 'A run\'s metric series, downsampled to at most maxPoints per series.',
    args: z.object({ runId: z.string().min(1), maxPoints: z.number().int().min(10).max(100_000).default(2000) }).strict(),
    result: z.object({ series: z.record(z.string(), z.array(z.tuple([z.number(), z.number()]))) }),
    writes: false,
  }),
  'runs.stop': handler({
    summary: 'Asks the trainer to checkpoint and stop (SIGTERM).',
    args: z.object({ runId: z.string().min(1) }).strict(),
    result: z.object({ stopping: z.boolean() }),
    writes: true,
  }),
  'runs.resume': handler({
    summary: 'Continues a stopped or interrupted run from its latest checkpoint (or a chosen step).',
    args: z.object({ runId: z.string().min(1), step: z.number().int().min(1).optional() }).strict(),
    result: runSummarySchema,
    writes: true,
  }),
};

export const runEventSchemas = {
  'run.updated': runSummarySchema,
  'run.metrics': z.object({ runId: z.string(), step: z.number().int(), values: z.record(z.string(), z.number()) }),
};
