import { z } from 'zod';
import { handler } from '../define.js';

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  objectType: z.string(),
  objectId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBroken: z
    .object({ seq: z.number().int(), at: z.string(), action: z.string(), reason: z.string() })
    .nullable(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifySchema>;

export const auditHandlers = {
  'audit.list': handler({
    summary: 'Audit entries, newest first, optionally filtered by action prefix.',
    args: z
      .object({
        limit: z.number().int().min(1).max(1000).default(100),
        beforeSeq: z.number().int().positive().optional(),
        actionPrefix: z.string().max(100).optional(),
      })
      .strict(),
    result: z.object({ entries: z.array(auditEntrySchema), total: z.number().int() }),
    writes: false,
  }),
  'audit.verify': handler({
    summary: 'Recomputes the hash chain and names the first entry that does not match.',
    args: z.object({}).strict(),
    result: auditVerifySchema,
    writes: false,
  }),
};
