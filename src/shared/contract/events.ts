import { z } from 'zod';
import { doctorReportSchema } from './features/doctor.js';
import { auditEntrySchema } from './features/audit.js';
import { runEventSchemas } from './features/runs.js';
import { playgroundEventSchemas } from './features/playground.js';

/** Push events: engine → UI. Each has a runtime schema; listeners get parsed payloads. */
export const eventSchemas = {
  'doctor.updated': doctorReportSchema,
  'audit.appended': auditEntrySchema,
  'job.progress': z.object({
    jobId: z.string(),
    kind: z.string(),
    label: z.string(),
    /** 0..1, or null when the total is unknown. */
    fraction: z.number().min(0).max(1).nullable(),
    message: z.string(),
    state: z.enum(['running', 'done', 'failed', 'cancelled']),
  }),
  ...runEventSchemas,
  ...playgroundEventSchemas,
};

export type EventSchemas = typeof eventSchemas;
export type EventName = keyof EventSchemas;
export type EventPayload<E extends EventName> = z.infer<EventSchemas[E]>;
