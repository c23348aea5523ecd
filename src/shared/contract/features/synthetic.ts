import { z } from 'zod';
import { handler } from '../define.js';
import { chatMessageSchema } from './datasets.js';

/** Synthetic training data from document chunks with a local teacher model (issue 7). */
export const templateKindSchema = z.enum(['qa', 'summary', 'extraction', 'classification', 'chat']);
export const templateInputSchema = z
  .object({
    kind: templateKindSchema,
    system: z.string().max(4000).optional(),
    prompt: z.string().min(1).max(20_000).optional(),
    labels: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
  })
  .strict();
export type TemplateInput = z.infer<typeof templateInputSchema>;

export const syntheticSamplingSchema = z
  .object({
    temperature: z.number().min(0).max(2).default(0.7),
    topP: z.number().gt(0).max(1).optional(),
    maxTokens: z.number().int().min(16).max(4096).default(256),
    seed: z.number().int().min(0).default(0),
  })
  .strict();
export type SyntheticSampling = z.infer<typeof syntheticSamplingSchema>;

/** Generate from part of a version only: chunks containing a text, from one document, or on a page range. */
export const chunkFilterSchema = z
  .object({
    text: z.string().trim().min(1).max(500).optional(),
    document: z.string().trim().min(1).max(500).optional(),
    pages: z.tuple([z.number().int().min(1), z.number().int().min(1)]).refine(([a, b]) => a <= b, 'The first page must not be after the last.').optional(),
  })
  .strict();
export type ChunkFilterInput = z.infer<typeof chunkFilterSchema>;

const teacher = {
  sourceVersionId: z.string().min(1),
  filter: chunkFilterSchema.optional(),
  modelId: z.string().min(1),
  adapterIds: z.array(z.string().min(1)).max(4).default([]),
  template: templateInputSchema,
  sampling: syntheticSamplingSchema.default({ temperature: 0.7, maxTokens: 256, seed: 0 }),
};

export const groundingSchema = z.object({
  grounded: z.boolean(),
  wordCoverage: z.number(),
  pairCoverage: z.number(),
  missing: z.array(z.string()),
  reason: z.string(),
});

export const provenanceSchema = z.object({
  jobId: z.string(),
  sourceVersionId: z.string(),
  chunkPosition: z.number().int(),
  chunkHash: z.string(),
  document: z.string(),
  locator: z.string(),
  pages: z.tuple([z.number().int(), z.number().int()]).nullable(),
  chars: z.tuple([z.number().int(), z.number().int()]).nullable(),
  teacher: z.object({ modelId: z.string(), name: z.string(), sha256: z.string(), adapters: z.array(z.object({ id: z.string(), sha256: z.string() })) }),
  template: z.object({ kind: templateKindSchema, version: z.string() }),
  sampling: z.object({ temperature: z.number(), topP: z.number().nullable(), maxTokens: z.number().int() }),
  seed: z.number().int(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

export const generatedItemSchema = z.object({
  messages: z.array(chatMessageSchema),
  raw: z.string(),
  provenance: provenanceSchema,
  grounding: groundingSchema,
  pii: z.array(z.object({ kind: z.string(), text: z.string() })),
});
export type GeneratedItem = z.infer<typeof generatedItemSchema>;

export const syntheticJobSchema = z.object({
  id: z.string(),
  sourceVersionId: z.string(),
  modelId: z.string(),
  templateKind: templateKindSchema,
  templateVersion: z.string(),
  status: z.enum(['running', 'cancelled', 'failed', 'done']),
  error: z.string().nullable(),
  chunksTotal: z.number().int(),
  chunksDone: z.number().int(),
  items: z.number().int(),
  duplicates: z.number().int(),
  problems: z.number().int(),
  outputTokens: z.number().int(),
  tokensPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  targetVersionId: z.string().nullable(),
  /** The task dataset the examples landed in ("<documents> — generated Q&A"). */
  targetDatasetId: z.string().nullable(),
  createdAt: z.string(),
});
export type SyntheticJob = z.infer<typeof syntheticJobSchema>;

export const syntheticHandlers = {
  'synthetic.templates': handler({
    summary: 'The default prompt templates (QA, summary, extraction, classification) with their versions and output schemas.',
    args: z.object({}).strict(),
    result: z.object({ templates: z.array(z.object({ kind: templateKindSchema, version: z.string(), system: z.string(), prompt: z.string(), labels: z.array(z.string()).nullable(), jsonSchema: z.record(z.string(), z.unknown()) })) }),
    writes: false,
  }),
  'synthetic.preview': handler({
    summary: 'Runs the template on one chunk of the version and returns the parsed example with grounding and PII checks; writes nothing.',
    args: z.object({ ...teacher, chunkPosition: z.number().int().min(0).default(0) }).strict(),
    result: z.object({ chunk: z.string(), prompt: z.string(), item: generatedItemSchema.nullable(), problem: z.string().nullable(), promptTokens: z.number().int(), outputTokens: z.number().int(), tokensPerSecond: z.number() }),
    writes: false,
  }),
  'synthetic.estimate': handler({
    summary: 'Chunks, prompt tokens and output tokens a generation would use, and the time it would take at a measured speed.',
    args: z.object({ sourceVersionId: z.string().min(1), filter: chunkFilterSchema.optional(), chunkLimit: z.number().int().min(1).max(100_000).optional(), maxTokens: z.number().int().min(16).max(4096).default(256), perChunk: z.number().int().min(1).max(8).default(1), tokensPerSecond: z.number().positive().optional() }).strict(),
    result: z.object({ chunks: z.number().int(), promptTokens: z.number().int(), maxOutputTokens: z.number().int(), seconds: z.number().nullable() }),
    writes: false,
  }),
  'synthetic.start': handler({
    summary: 'Starts generating from the first `chunkLimit` chunks of a documents version; results become a new version to review.',
    args: z.object({ ...teacher, chunkLimit: z.number().int().min(1).max(100_000).optional(), parallel: z.number().int().min(1).max(16).default(4), perChunk: z.number().int().min(1).max(8).default(1) }).strict(),
    result: z.object({ jobId: z.string() }),
    writes: true,
  }),
  'synthetic.resume': handler({
    summary: 'Continues a cancelled or failed job; chunks that are done are skipped.',
    args: z.object({ jobId: z.string().min(1) }).strict(),
    result: z.object({ jobId: z.string() }),
    writes: true,
  }),
  'synthetic.cancel': handler({
    summary: 'Stops a running job after saving the chunks that are finished.',
    args: z.object({ jobId: z.string().min(1) }).strict(),
    result: z.object({ cancelled: z.boolean() }),
    writes: true,
  }),
  'synthetic.status': handler({
    summary: 'One job: progress, speed, ETA and, when done, the version made from it.',
    args: z.object({ jobId: z.string().min(1) }).strict(),
    result: syntheticJobSchema,
    writes: false,
  }),
  'synthetic.list': handler({
    summary: 'Every generation job, newest first.',
    args: z.object({}).strict(),
    result: z.object({ jobs: z.array(syntheticJobSchema) }),
    writes: false,
  }),
  'synthetic.item': handler({
    summary: 'Provenance, grounding and PII findings of one generated example in the version it landed in (or, given its content hash, in a version derived from it); null for an example that was not generated.',
    args: z.object({ versionId: z.string().min(1), position: z.number().int().min(0), contentHash: z.string().min(1).optional() }).strict(),
    result: z.object({ item: generatedItemSchema.nullable(), chunk: z.string().nullable() }),
    writes: false,
  }),
};
