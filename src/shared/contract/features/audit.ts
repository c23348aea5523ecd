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
  /** The head recorded outside the table (audit-witness.json), and whether the table still holds it. */
  witness: z
    .object({ status: z.enum(['matches', 'missing', 'unreadable', 'contradicted']), seq: z.number().int().nullable(), hash: z.string().nullable() })
    .optional(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifySchema>;

/**
 * The kinds of activity a reviewer asks about, each a set of action prefixes. Action names grew per feature
 * (a review is `dataset.review.accept`, an override `release.override`), so one prefix cannot name a family; the
 * engine ORs these. audit-coverage.test.ts runs a real flow and checks each family finds its entries.
 */
export const AUDIT_FAMILIES = {
  import: ['dataset.import', 'model.import'],
  edit: ['dataset.curate.', 'dataset.filter', 'dataset.correction', 'dataset.synthetic', 'dataset.canaries.seed', 'dataset.review.edit', 'dataset.review.version', 'recipe.'],
  review: ['dataset.review.'],
  run: ['run.'],
  eval: ['eval.', 'preference.'],
  release: ['release', 'gate.', 'report.release', 'signature'],
  override: ['release.override'],
  export: ['export.', 'dataset.export', 'audit.export'],
  model: ['model.'],
} as const satisfies Record<string, readonly string[]>;
export type AuditFamily = keyof typeof AUDIT_FAMILIES;
export const auditFamilySchema = z.enum(Object.keys(AUDIT_FAMILIES) as [AuditFamily, ...AuditFamily[]]);

/** Every field optional; all given must hold. Times are ISO 8601, inclusive (a bare date as `to` means the whole day). */
export const auditFilterSchema = z.object({
  actionPrefix: z.string().max(100).optional(),
  family: auditFamilySchema.optional(),
  actor: z.string().max(200).optional(),
  objectType: z.string().max(100).optional(),
  objectId: z.string().max(200).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  /** Case-insensitive text inside the details, the action or the object id. */
  text: z.string().max(200).optional(),
});
export type AuditFilterArgs = z.infer<typeof auditFilterSchema>;

export const auditHandlers = {
  'audit.list': handler({
    summary: 'Audit entries, newest first, filtered by action prefix, actor, object, time range and text.',
    args: auditFilterSchema
      .extend({
        limit: z.number().int().min(1).max(1000).default(100),
        beforeSeq: z.number().int().positive().optional(),
      })
      .strict(),
    result: z.object({
      entries: z.array(auditEntrySchema),
      total: z.number().int(),
      /** What the entries' objects are called now, keyed "objectType:objectId" (datasets, versions, runs, models, exports, evals, recipes, users, releases). */
      names: z.record(z.string(), z.string()),
    }),
    writes: false,
  }),
  'audit.facets': handler({
    summary: 'The actors and object types that occur in the log, for the filter pickers.',
    args: z.object({}).strict(),
    result: z.object({ actors: z.array(z.string()), objectTypes: z.array(z.string()) }),
    writes: false,
  }),
  'audit.export': handler({
    summary: 'Writes the matching entries (oldest first) as JSON or CSV under <data>/audit-exports, verifiable without the database; audited. With includeContent, the file’s text comes back too (for a browser download).',
    args: auditFilterSchema.extend({ format: z.enum(['json', 'csv']), includeContent: z.boolean().default(false) }).strict(),
    result: z.object({
      path: z.string(), format: z.enum(['json', 'csv']), entries: z.number().int(), bytes: z.number().int(), sha256: z.string(), complete: z.boolean(),
      content: z.string().nullable(),
    }),
    writes: true,
  }),
  'audit.verify': handler({
    summary: 'Recomputes the hash chain and names the first entry that does not match.',
    args: z.object({}).strict(),
    result: auditVerifySchema,
    writes: false,
  }),
};
