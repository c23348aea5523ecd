import { z } from 'zod';
import { handler } from '../define.js';

export const appInfoSchema = z.object({
  name: z.literal('Lathe'),
  version: z.string(),
  protocolVersion: z.number().int(),
  mode: z.enum(['electron', 'browser', 'cli', 'test']),
  dataDir: z.string(),
  dbPath: z.string(),
  dbSchemaVersion: z.number().int(),
  /** False when the start-up integrity check failed: the engine then refuses every write. */
  dbWritable: z.boolean(),
  dbProblem: z.string().nullable(),
  /**
   * Whether llama-quantize is ready (shipped by the offline bundle or built before). When false, the first K-quant
   * (Q4_K_M…) conversion or export builds it from source first: minutes, and it needs cmake and a C++ compiler.
   */
  llamaToolsReady: z.boolean(),
  /** Whom the engine records as acting (LATHE_ACTOR, else the OS user): the default reviewer in single-user mode. */
  actor: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** The first-open checklist's steps, in the order the main job takes them. */
export const firstStepIds = ['import', 'base', 'train', 'compare', 'evaluate', 'export'] as const;
export type FirstStepId = (typeof firstStepIds)[number];
export const firstStepsSchema = z.object({
  /**
   * Every step, in order, and whether it has happened at least once in this library: import (a dataset exists), base
   * (a trainable base model, an HF folder, is registered), train (a run completed), compare (a playground conversation
   * exists), evaluate (an eval finished), export (an export finished). All false while the database is unavailable.
   */
  steps: z.array(z.object({ id: z.enum(firstStepIds), done: z.boolean() })),
});
export type FirstSteps = z.infer<typeof firstStepsSchema>;

export const appHandlers = {
  'app.info': handler({
    summary: 'Version, data directory and database health of the running engine.',
    args: z.object({}).strict(),
    result: appInfoSchema,
    writes: false,
  }),
  'app.ping': handler({
    summary: 'Echoes a message; used by transports to check the channel.',
    args: z.object({ message: z.string().max(1000) }).strict(),
    result: z.object({ message: z.string(), at: z.string() }),
    writes: false,
  }),
  'app.firstSteps': handler({
    summary: 'How far this library has come through the main job: the getting-started checklist.',
    args: z.object({}).strict(),
    result: firstStepsSchema,
    writes: false,
  }),
};
