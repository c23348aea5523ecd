import { z } from 'zod';
import { handler } from '../define.js';

/**
 * Long jobs of every kind (imports, model imports, conversions, exports, training runs, evals, synthetic
 * generation, search indexing): what the engine's JobRegistry knows, as the status bar's jobs drawer shows it.
 */
export const JOB_STATES = ['running', 'done', 'failed', 'cancelled'] as const;
export type JobStateName = (typeof JOB_STATES)[number];

/** The thing a job works on, so a page can tell that "its" model is busy (the Export button of that model). */
export const jobSubjectSchema = z.object({
  type: z.enum(['model', 'run', 'eval', 'dataset', 'synthetic']),
  id: z.string(),
});
export type JobSubject = z.infer<typeof jobSubjectSchema>;

/** The fields every job.progress event has carried from the start; older listeners read only these. */
const progressCore = {
  jobId: z.string(),
  kind: z.string(),
  label: z.string(),
  /** 0..1, or null when the total is unknown. Never moves backwards while the job runs. */
  fraction: z.number().min(0).max(1).nullable(),
  /** The current phase in words ("Hashing model.safetensors · 1.2 GB of 3.1 GB"). */
  message: z.string(),
  state: z.enum(JOB_STATES),
};

/** What the registry adds: times, the measured ETA, whether it can be cancelled, and what it works on. */
const timing = {
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Time since the start; for a finished job, its total duration. */
  elapsedMs: z.number().int().min(0),
  /**
   * Time left, from the throughput measured so far (progress gained over the time it took); null until a few
   * seconds and some progress have been measured, and for jobs of unknown length. Never a guess.
   */
  etaMs: z.number().int().min(0).nullable(),
  /** Total duration of a finished job; null while it runs. */
  durationMs: z.number().int().min(0).nullable(),
  cancellable: z.boolean(),
  subject: jobSubjectSchema.nullable(),
};

export const jobSummarySchema = z.object({ ...progressCore, ...timing });
export type JobSummary = z.infer<typeof jobSummarySchema>;

/** job.progress: the core fields, plus the registry's (optional, so an event of an older engine still parses). */
export const jobProgressSchema = z.object({ ...progressCore, ...z.object(timing).partial().shape });

export const jobEventSchemas = {
  'job.progress': jobProgressSchema,
};

export const jobHandlers = {
  'jobs.list': handler({
    summary: 'Every running job (oldest first) and the recently finished ones (newest first, with their duration).',
    args: z.object({}).strict(),
    result: z.object({ running: z.array(jobSummarySchema), finished: z.array(jobSummarySchema) }),
    writes: false,
  }),
  'jobs.cancel': handler({
    summary: 'Asks a running job to stop: an import or export rolls back, a training run checkpoints and stops, an eval keeps what it scored.',
    args: z.object({ jobId: z.string().min(1) }).strict(),
    result: z.object({ cancelled: z.boolean() }),
    writes: false,
  }),
};
