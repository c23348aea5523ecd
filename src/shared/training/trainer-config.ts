import { z } from 'zod';

/**
 * run.json, the trainer's whole input, as one schema on both sides of the Python boundary. The engine builds it in
 * `materialize.ts` and checks it against this before writing; `resources/trainer/lathe_trainer/run_config.schema.json`
 * is this schema as JSON Schema (written by `npx tsx scripts/write-trainer-schema.ts`), and
 * tests/unit/trainer-config-schema.test.ts fails when that file, or the keys and choices `config.py` accepts,
 * drift from it. Defaults live in config.py; here a key is optional exactly when the trainer has a default.
 */
const files = z.array(z.string().min(1)).min(1);
const debugStep = z.number().int().min(1).nullable().optional();

export const trainerConfigSchema = z
  .object({
    base_model: z.string().min(1),
    output_dir: z.string().min(1),
    method: z.enum(['lora', 'full', 'qlora']).optional(),
    objective: z.enum(['sft', 'cpt', 'dpo', 'orpo', 'simpo', 'kto']).optional(),
    data: z.object({ train: files.optional(), validation: files.nullable().optional() }).strict(),
    recipe: z.array(z.object({ path: z.string().min(1), ratio: z.number().positive(), kind: z.enum(['chat', 'text']) }).strict()).min(1).nullable().optional(),
    // Only with a preference objective (dpo, orpo, simpo, kto); every key optional (TRL's defaults, see config.py).
    preference: z
      .object({
        beta: z.number().positive().optional(),
        simpo_gamma: z.number().min(0).optional(),
        desirable_weight: z.number().min(0).optional(),
        undesirable_weight: z.number().min(0).optional(),
        reference: z.enum(['adapter_disabled', 'precomputed']).optional(),
      })
      .strict()
      .nullable()
      .optional(),
    lora: z
      .object({
        rank: z.number().int().min(1).optional(),
        alpha: z.number().min(0).optional(),
        dropout: z.number().min(0).max(0.99).optional(),
        target_modules: z.union([z.literal('all-linear'), z.array(z.string().min(1)).min(1)]).optional(),
      })
      .strict()
      .optional(),
    max_seq_len: z.number().int().min(8).optional(),
    micro_batch_size: z.number().int().min(1).optional(),
    grad_accum: z.number().int().min(1).optional(),
    lr: z.number().min(0).max(10).optional(),
    schedule: z.enum(['cosine', 'linear']).optional(),
    warmup_steps: z.number().int().min(0).optional(),
    max_steps: z.number().int().min(1).nullable().optional(),
    epochs: z.number().min(0).nullable().optional(),
    eval_every: z.number().int().min(0).optional(),
    eval_at_start: z.boolean().optional(),
    checkpoint_every: z.number().int().min(0).optional(),
    keep_checkpoints: z.number().int().min(0).optional(),
    seed: z.number().int().min(0).optional(),
    device: z.enum(['auto', 'cpu', 'cuda']).optional(),
    weight_decay: z.number().min(0).optional(),
    grad_clip: z.number().min(0).optional(),
    min_lr_ratio: z.number().min(0).max(1).optional(),
    precision: z.enum(['auto', 'fp32', 'bf16', 'fp16']).optional(),
    gradient_checkpointing: z.boolean().optional(),
    attn_implementation: z.enum(['auto', 'sdpa', 'eager', 'flash_attention_2']).optional(),
    compile: z.boolean().optional(),
    packing: z.boolean().nullable().optional(),
    devices: z.union([z.number().int().min(1).max(64), z.array(z.number().int().min(0)).max(64)]).nullable().optional(),
    /** Machines the run spans (a Slurm job's nodes), each running `devices` processes; world size = nodes × devices. */
    nodes: z.number().int().min(1).max(64).optional(),
    sharding: z.enum(['ddp', 'fsdp']).optional(),
    heartbeat_seconds: z.number().min(0).max(3600).optional(),
    debug_inject_nan_at_step: debugStep,
    debug_stop_after_step: debugStep,
    debug_fake_oom_at_step: debugStep,
  })
  .strict();

export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

/** The JSON Schema the Python side reads (and tests compare). */
export function trainerConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(trainerConfigSchema, { io: 'input' }) as Record<string, unknown>;
}
