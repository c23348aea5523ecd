import { z } from 'zod';
import { handler } from '../define.js';
import { splitSchema, versionSchema } from './datasets.js';

export const EXPORT_FORMATS = ['openai-chat', 'alpaca', 'text'] as const;
export const exportFormatSchema = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const exportManifestSchema = z.object({
  kind: z.literal('lathe.dataset-export'),
  manifestVersion: z.literal(1),
  dataset: z.object({ id: z.string(), name: z.string() }),
  version: z.object({ id: z.string(), number: z.number().int(), contentHash: z.string(), exampleCount: z.number().int(), createdAt: z.string(), createdBy: z.string() }),
  format: exportFormatSchema,
  split: splitSchema.nullable(),
  file: z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int(), lines: z.number().int() }),
  counts: z.object({ examples: z.number().int(), bySplit: z.record(z.string(), z.number().int()), bySource: z.record(z.string(), z.number().int()) }),
  sources: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int(), format: z.string(), rows: z.number().int(), importedAt: z.string() })),
  /** From the imported root down to this version: what made each step, with its parameters. */
  operations: z.array(
    z.object({ number: z.number().int(), versionId: z.string(), operation: z.string(), params: z.record(z.string(), z.unknown()), contentHash: z.string(), createdAt: z.string(), createdBy: z.string() }),
  ),
  exportedAt: z.string(),
  exportedBy: z.string(),
});
export type ExportManifest = z.infer<typeof exportManifestSchema>;

/** Steps that keep or drop whole examples; each run makes a new version. */
export const exampleFilterOpsSchema = z
  .object({
    /** A folder with tokenizer.json (a base model) or the tokenizer.json itself; needed for token limits. */
    tokenizerPath: z.string().min(1).optional(),
    minTokens: z.number().int().min(0).optional(),
    maxTokens: z.number().int().min(1).optional(),
    /** Drop examples whose answer (or text) is empty or only whitespace/punctuation. */
    dropEmpty: z.boolean().default(false),
    /** Drop answers with U+FFFD replacement characters, control characters or mostly non-letters. */
    dropGarbled: z.boolean().default(false),
    /** Keep only examples in this language (heuristic: script + stop words; see language.ts). */
    language: z.enum(['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'ru', 'zh', 'ja', 'ko', 'ar']).optional(),
    include: z.string().min(1).max(500).optional(),
    exclude: z.string().min(1).max(500).optional(),
  })
  .strict();
export type ExampleFilterOps = z.output<typeof exampleFilterOpsSchema>;

export const tokenStatsSchema = z.object({
  tokenizer: z.object({ path: z.string(), sha256: z.string() }),
  total: z.number().int(),
  min: z.number().int(),
  max: z.number().int(),
  mean: z.number(),
  p50: z.number().int(),
  p95: z.number().int(),
  histogram: z.array(z.object({ from: z.number().int(), to: z.number().int(), count: z.number().int() })),
});

export const datasetExportHandlers = {
  'datasets.export': handler({
    summary: 'Writes a version (or one split) as JSONL in OpenAI chat, Alpaca or plain-text format, with a manifest.',
    args: z
      .object({
        versionId: z.string().min(1),
        format: exportFormatSchema,
        /** The .jsonl file to write; default: <data>/exports/datasets/<dataset>-v<n>.<format>.jsonl. */
        path: z.string().min(1).optional(),
        split: splitSchema.optional(),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ path: z.string(), manifestPath: z.string(), manifest: exportManifestSchema }),
    writes: true,
  }),
  'datasets.stats': handler({
    summary: 'Counts of a version: examples, kinds, per source, per split, review status; tokens with a histogram when a tokenizer is given.',
    args: z.object({ versionId: z.string().min(1), tokenizerPath: z.string().min(1).optional(), bins: z.number().int().min(2).max(100).default(20) }).strict(),
    result: z.object({
      examples: z.number().int(),
      byKind: z.record(z.string(), z.number().int()),
      bySource: z.array(z.object({ source: z.string(), count: z.number().int() })),
      bySplit: z.record(z.string(), z.number().int()),
      byStatus: z.record(z.string(), z.number().int()),
      tokens: tokenStatsSchema.nullable(),
    }),
    writes: true, // token counts are cached in the library
  }),
  'datasets.filter': handler({
    summary: 'Keeps examples that pass token-length, empty/garbled, language and regex checks, as a new version.',
    args: z.object({ versionId: z.string().min(1), filter: exampleFilterOpsSchema }).strict(),
    result: z.object({ version: versionSchema, removed: z.number().int(), reasons: z.record(z.string(), z.number().int()) }),
    writes: true,
  }),
};
