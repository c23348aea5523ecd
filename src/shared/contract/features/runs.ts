import { z } from 'zod';
import { handler } from '../define.js';

export const runStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'stopped', 'interrupted']);

/** Something that happened to a run beyond its metrics: queued, started, resumed, OOM fallback, heartbeat lost… */
export const runEventSchema = z.object({ seq: z.number().int(), at: z.string(), kind: z.string(), message: z.string(), data: z.unknown().nullable() });
export type RunEvent = z.infer<typeof runEventSchema>;

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
  /** The newest events (at most 200), oldest first. */
  events: z.array(runEventSchema),
  /** The runs.start settings the run was started with (what a retry begins from); null for runs of an older Lathe. */
  startArgs: z.record(z.string(), z.unknown()).nullable(),
  /** The run this one retries (with a new config), if any. */
  retryOf: z.string().nullable(),
  /** The device slot the run holds or waits for: 'cpu' or 'cuda:0', 'cuda:0,1'. */
  slot: z.string().nullable(),
  /** The compute target the run trains on (a saved target's name); null: this machine. */
  target: z.string().nullable(),
  /** 1-based place in its slot's queue while queued. */
  queuePosition: z.number().int().nullable(),
  /**
   * The time estimated when the run was queued (calibrated by earlier runs on this machine; null when the base model
   * could not be estimated) and the seconds its trainer has run so far, over every start and resume (null before
   * the first ended); the Run page compares the two once the run is done.
   */
  timing: z.object({ estimatedSeconds: z.number().nullable(), ranSeconds: z.number().nullable() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** The objectives that train on preference pairs (dpo, orpo, simpo) or labelled answers (kto). */
export const PREFERENCE_OBJECTIVES = ['dpo', 'orpo', 'simpo', 'kto'] as const;

export const preferenceSettingsSchema = z
  .object({
    /** How far the tuned model may move from the reference (DPO, KTO) or the scale of the reward (ORPO, SimPO). */
    beta: z.number().positive().max(100).optional(),
    /** SimPO's target reward margin. */
    simpoGamma: z.number().min(0).max(100).optional(),
    desirableWeight: z.number().min(0).max(100).optional(),
    undesirableWeight: z.number().min(0).max(100).optional(),
    /** DPO/KTO's reference: the base with the adapter switched off (LoRA), or log-probs computed once before training. */
    reference: z.enum(['adapter_disabled', 'precomputed']).optional(),
  })
  .strict();

export const startRunArgs = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    baseModelDir: z.string().min(1),
    datasetVersionId: z.string().min(1),
    method: z.enum(['lora', 'full', 'qlora']).default('lora'),
    /** sft: conversations; cpt: plain text; dpo/orpo/simpo: preference pairs; kto: answers labelled desirable or not. */
    objective: z.enum(['sft', 'cpt', 'dpo', 'orpo', 'simpo', 'kto']).default('sft'),
    maxSteps: z.number().int().min(1).max(1_000_000).default(100),
    lr: z.number().positive().max(1).default(2e-4),
    loraRank: z.number().int().min(1).max(1024).default(16),
    maxSeqLen: z.number().int().min(16).max(131_072).default(512),
    microBatchSize: z.number().int().min(1).max(1024).default(4),
    gradAccum: z.number().int().min(1).max(1024).default(1),
    seed: z.number().int().min(0).default(0),
    checkpointEvery: z.number().int().min(0).default(0),
    /** Checkpoints kept on disk: the newest N plus the best by validation loss (0: all). */
    keepCheckpoints: z.number().int().min(0).max(10_000).default(3),
    evalEvery: z.number().int().min(0).default(0),
    /** Measure the base model's validation loss before the first step (a before/after comparison). */
    evalAtStart: z.boolean().default(false),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    /** auto: bf16 on GPUs that have it, else fp16 on GPU, fp32 on CPU. */
    precision: z.enum(['auto', 'fp32', 'bf16', 'fp16']).default('auto'),
    gradientCheckpointing: z.boolean().default(false),
    /** auto: eager for families that need it (Gemma 2's soft-capping), SDPA otherwise; flash_attention_2 needs CUDA + flash-attn. */
    attnImplementation: z.enum(['auto', 'sdpa', 'eager', 'flash_attention_2']).default('auto'),
    /** Padding-free packing of examples into full rows; unset: the trainer's default (on for CPT and recipes; on for SFT when the base model's attention keeps packed examples apart, as every supported family's does; off for preference objectives). */
    packing: z.boolean().optional(),
    /** GPU indices for one run (more than one → multi-GPU); empty: the first free GPU. */
    devices: z.array(z.number().int().min(0).max(63)).max(64).default([]),
    /** With several GPUs: a whole model copy on each (ddp) or weights, gradients and optimizer split over them (fsdp). */
    sharding: z.enum(['ddp', 'fsdp']).default('ddp'),
    /** Seconds without any trainer output (metrics, progress or heartbeat) before the run counts as hung. */
    hangTimeoutS: z.number().min(1).max(86_400).default(300),
    /**
     * A data recipe: several dataset versions mixed by ratio of training tokens (e.g. half domain text, half
     * general text). When set, these are the training data and `datasetVersionId` only supplies validation.
     */
    recipe: z.array(z.object({ datasetVersionId: z.string().min(1), ratio: z.number().positive().max(1000) }).strict()).min(1).max(16).optional(),
    /** Preference objectives only; unset keys take TRL's defaults (β 0.1, SimPO γ 0.5, KTO weights 1). */
    preference: preferenceSettingsSchema.optional(),
    /** Where the trainer runs: a saved compute target's name (`lathe targets list`); unset: this machine. */
    target: z.string().min(1).optional(),
  })
  .strict();
export type StartRunArgs = z.output<typeof startRunArgs>;
export type StartRunInput = z.input<typeof startRunArgs>;

export const estimateArgs = z
  .object({
    baseModelDir: z.string().min(1),
    method: z.enum(['lora', 'full', 'qlora']).default('lora'),
    loraRank: z.number().int().min(1).max(1024).default(16),
    maxSeqLen: z.number().int().min(16).max(131_072).default(512),
    microBatchSize: z.number().int().min(1).max(1024).default(4),
    gradAccum: z.number().int().min(1).max(1024).default(1),
    maxSteps: z.number().int().min(1).max(1_000_000).default(100),
    precision: z.enum(['auto', 'fp32', 'bf16', 'fp16']).default('auto'),
    gradientCheckpointing: z.boolean().default(false),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    /** GPUs the run trains on (1 unless several are chosen) and how they hold the model. */
    worldSize: z.number().int().min(1).max(64).default(1),
    sharding: z.enum(['ddp', 'fsdp']).default('ddp'),
    checkpointEvery: z.number().int().min(0).default(0),
    keepCheckpoints: z.number().int().min(0).max(10_000).default(3),
    /** Pairwise objectives (DPO, ORPO, SimPO) run a chosen and a rejected sequence per example. */
    objective: z.enum(['sft', 'cpt', 'dpo', 'orpo', 'simpo', 'kto']).default('sft'),
  })
  .strict();

export const estimateSchema = z.object({
  parameters: z.number(),
  trainableParameters: z.number(),
  device: z.object({ kind: z.enum(['cpu', 'cuda']), name: z.string(), memoryBytes: z.number().nullable() }),
  precision: z.enum(['fp32', 'bf16', 'fp16']),
  bytes: z.object({ weights: z.number(), gradients: z.number(), optimizer: z.number(), activations: z.number(), overhead: z.number(), total: z.number() }),
  fits: z.boolean().nullable(),
  tokensPerSecond: z.number(),
  /** Start-up plus steps, calibrated by how long earlier runs of this model on this device took against their estimates. */
  seconds: z.number(),
  /** The steps' time before that calibration (tokens per step × steps ÷ tokens per second); what a later calibration compares. */
  rawSeconds: z.number(),
  /** Of `seconds`: loading Python, torch, the model and the data, and writing the output; measured by earlier runs, or a guess. */
  startupSeconds: z.number(),
  /** Largest model (parameters) that fits on this device with this method and shape; null when memory is unknown. */
  largestParametersThatFit: z.number().nullable(),
  /** Disk the run fills in its output folder: checkpoints kept at once and the final adapter or model. */
  disk: z.object({ checkpointBytes: z.number(), checkpoints: z.number().int(), outputBytes: z.number(), totalBytes: z.number(), freeBytes: z.number().nullable() }),
  notes: z.array(z.string()),
});
export type RunEstimate = z.infer<typeof estimateSchema>;

export const presetArgs = z
  .object({ preset: z.enum(['quick', 'balanced', 'thorough']), trainExamples: z.number().int().min(0), parameters: z.number().min(0), medianTokens: z.number().min(0).optional() })
  .strict();

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
  'runs.cancel': handler({
    summary: 'Takes a queued run off the queue; it is kept as stopped, never started.',
    args: z.object({ runId: z.string().min(1) }).strict(),
    result: runSummarySchema,
    writes: true,
  }),
  'runs.retry': handler({
    // `changes` are start-run fields (any of them; null drops one); the merged settings are checked by startRunArgs.
    summary: 'Starts a new run with the settings of a finished one, changed by `changes` (null removes a setting); the new run links to the old.',
    args: z.object({ runId: z.string().min(1), changes: z.record(z.string(), z.unknown()).default({}) }).strict(),
    result: runSummarySchema,
    writes: true,
  }),
  'runs.reproduce': handler({
    summary: 'Re-runs a completed run with exactly its settings (base model, dataset version, seed); when it completes, the weights’ sha256 is compared with the original’s (run event + audit entry).',
    args: z.object({ runId: z.string().min(1) }).strict(),
    result: runSummarySchema,
    writes: true,
  }),
  'runs.estimate': handler({
    summary: 'Memory and time a run needs on the detected hardware, and the largest model that fits.',
    args: estimateArgs,
    result: estimateSchema,
    writes: false,
  }),
  'runs.preset': handler({
    summary: 'Hyper-parameters for a preset, chosen from the dataset size and the model size.',
    args: presetArgs,
    result: z.object({ values: z.record(z.string(), z.number()), why: z.array(z.string()) }),
    writes: false,
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
