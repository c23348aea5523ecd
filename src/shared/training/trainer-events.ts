import { z } from 'zod';

/**
 * The trainer's stdout protocol (resources/trainer/lathe_trainer/protocol.py): one JSON object per line, each with
 * `v` and `type`. This is the one definition of those lines. `scripts/write-trainer-schema.ts` writes it as JSON
 * Schema to `lathe_trainer/protocol.schema.json`; the trainer's pytest suite checks every line its commands print
 * against that file, and the engine parses every line with it (`engine/training/trainer-line.ts`), so the two sides
 * cannot drift apart unnoticed (tests/unit/trainer-config-schema.test.ts keeps the file current).
 */
export const PROTOCOL_VERSION = 1;

/** JSON has no NaN or infinity: the trainer writes a diverged value as null. */
const measured = z.number().nullable();
const step = z.number().int().nonnegative();
const line = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal(type), ...shape });

/** The values a preference objective adds to a training step's metrics (prefix "val_" on validation). */
const preferenceMetrics = {
  reward_margin: measured.optional(),
  reward_accuracy: measured.optional(),
  chosen_logp: measured.optional(),
  rejected_logp: measured.optional(),
  /** KTO's reference point: the batch's KL estimate. */
  kl: measured.optional(),
};
const validationMetrics = {
  val_loss: measured,
  val_reward_margin: measured.optional(),
  val_reward_accuracy: measured.optional(),
  val_chosen_logp: measured.optional(),
  val_rejected_logp: measured.optional(),
  val_kl: measured.optional(),
};

export const trainerHelloSchema = line('hello', {
  command: z.string(),
  pid: z.number().int(),
  versions: z.record(z.string(), z.string().nullable()),
  device: z.looseObject({ kind: z.string(), name: z.string(), index: z.number().int().nullable().optional() }),
  memory: z.record(z.string(), z.number().nullable()),
});
export const trainerProgressSchema = line('progress', { stage: z.string(), fraction: z.number().min(0).max(1).nullable(), message: z.string() });
export const trainerMetricsSchema = line('metrics', {
  step,
  loss: measured,
  lr: z.number(),
  grad_norm: measured,
  tokens_per_s: measured,
  memory_bytes: measured,
  ...preferenceMetrics,
});
export const trainerEvalSchema = line('eval', { step, ...validationMetrics });
export const trainerCheckpointSchema = line('checkpoint', { step, path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
/** Something the trainer decided on its own: `kind` names it, `message` says it for people, the rest is its data. */
export const trainerNoticeSchema = z.looseObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('event'), kind: z.string(), message: z.string().optional() });
export const trainerHeartbeatSchema = line('heartbeat', {
  step: step.nullable(),
  phase: z.enum(['setup', 'train', 'eval', 'checkpoint', 'output']),
  idle_s: z.number().nonnegative(),
});
export const trainerDoneSchema = line('done', { payload: z.record(z.string(), z.unknown()) });
export const trainerErrorSchema = line('error', { code: z.string(), message: z.string(), hint: z.string() });

export const trainerLineSchema = z.discriminatedUnion('type', [
  trainerHelloSchema,
  trainerProgressSchema,
  trainerMetricsSchema,
  trainerEvalSchema,
  trainerCheckpointSchema,
  trainerNoticeSchema,
  trainerHeartbeatSchema,
  trainerDoneSchema,
  trainerErrorSchema,
]);

export type TrainerLine = z.infer<typeof trainerLineSchema>;

export function trainerLineJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(trainerLineSchema, { io: 'input' }) as Record<string, unknown>;
}
