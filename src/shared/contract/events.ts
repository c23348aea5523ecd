import type { z } from 'zod';
import { doctorReportSchema } from './features/doctor.js';
import { auditEntrySchema } from './features/audit.js';
import { jobEventSchemas } from './features/jobs.js';
import { runEventSchemas } from './features/runs.js';
import { playgroundEventSchemas } from './features/playground.js';

/** Push events: engine → UI. Each has a runtime schema; listeners get parsed payloads. */
export const eventSchemas = {
  'doctor.updated': doctorReportSchema,
  'audit.appended': auditEntrySchema,
  ...jobEventSchemas,
  ...runEventSchemas,
  ...playgroundEventSchemas,
};

export type EventSchemas = typeof eventSchemas;
export type EventName = keyof EventSchemas;
export type EventPayload<E extends EventName> = z.infer<EventSchemas[E]>;
