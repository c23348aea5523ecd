import { z } from 'zod';
import { handler } from '../define.js';
import { signatureSchema, signingPasswordSchema } from './auth.js';

export const roleSchema = z.enum(['system', 'user', 'assistant']);
/** A plain conversation turn (playground, synthetic data, corrections). */
export const chatMessageSchema = z.object({ role: roleSchema, content: z.string() });
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** Fields of a source record (or message) that Lathe does not use, kept verbatim so an export gives them back. */
export const extraFieldsSchema = z.record(z.string(), z.unknown());

/** One function call an assistant turn makes, in OpenAI's shape (`arguments` is the JSON text the model writes). */
export const toolCallSchema = z.object({
  id: z.string().optional(),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

/**
 * A turn of a stored example. Field names follow OpenAI's fine-tuning format because the trainer hands them to the
 * model family's chat template as they are. Optional fields are present only when the source had them, so a plain
 * {role, content} turn serialises (and hashes) exactly as it did before they existed.
 */
export const exampleMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  reasoning: z.string().optional(),
  tool_calls: z.array(toolCallSchema).min(1).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
  /** 0: context only, never a training target (OpenAI's per-message weight); absent means 1 for assistant turns. */
  weight: z.union([z.literal(0), z.literal(1)]).optional(),
  extra: extraFieldsSchema.optional(),
});
export type ExampleMessage = z.infer<typeof exampleMessageSchema>;

/** A tool (function) definition as the source gave it, e.g. {type: "function", function: {name, description, parameters}}. */
export const toolDefinitionSchema = z.record(z.string(), z.unknown());

const messages = z.array(exampleMessageSchema);
const tools = z.array(toolDefinitionSchema).min(1).optional();

/**
 * The one shape every task format is normalised to. chat: a conversation (optionally with tools) for SFT; text:
 * plain text for continued pre-training; preference: a prompt with a chosen and a rejected answer (DPO, ORPO,
 * SimPO); kto: a conversation whose last assistant turn is labelled desirable or not.
 */
export const exampleContentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('chat'), messages: messages.min(1), tools, extra: extraFieldsSchema.optional() }),
  z.object({ kind: z.literal('text'), text: z.string().min(1), extra: extraFieldsSchema.optional() }),
  z.object({ kind: z.literal('preference'), prompt: messages.min(1), chosen: messages.min(1), rejected: messages.min(1), tools, extra: extraFieldsSchema.optional() }),
  z.object({ kind: z.literal('kto'), messages: messages.min(2), label: z.boolean(), tools, extra: extraFieldsSchema.optional() }),
]);
export type ExampleContent = z.infer<typeof exampleContentSchema>;
export type ExampleKind = ExampleContent['kind'];

export const TASK_FORMATS = ['openai-chat', 'sharegpt', 'alpaca', 'prompt-completion', 'text', 'preference', 'kto'] as const;
export const taskFormatSchema = z.enum(TASK_FORMATS);
export type TaskFormat = z.infer<typeof taskFormatSchema>;
export const fileTypeSchema = z.enum(['jsonl', 'json', 'csv', 'tsv', 'parquet']);
export type FileType = z.infer<typeof fileTypeSchema>;

/** Which source field feeds which part of an example; detection proposes it, the user may correct it. */
export const columnMappingSchema = z
  .object({
    instruction: z.string().optional(),
    input: z.string().optional(),
    output: z.string().optional(),
    system: z.string().optional(),
    prompt: z.string().optional(),
    completion: z.string().optional(),
    text: z.string().optional(),
    messages: z.string().optional(),
    /** Preference data: the preferred and the dispreferred answer (text, one message or a list of messages). */
    chosen: z.string().optional(),
    rejected: z.string().optional(),
    /** KTO data: the field saying whether the answer is desirable (true/false, 1/0, "good"/"bad"). */
    label: z.string().optional(),
    /** Tool definitions (a list, or JSON text holding one). */
    tools: z.string().optional(),
  })
  .strict();
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

export const detectionSchema = z.object({
  path: z.string(),
  fileType: fileTypeSchema,
  format: taskFormatSchema,
  mapping: columnMappingSchema,
  fields: z.array(z.string()),
  /** Fields the mapping does not use: kept verbatim in each example (`extra`) and written back by an export. */
  unusedFields: z.array(z.string()),
  bytes: z.number().int(),
  encoding: z.enum(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be']),
  preview: z.array(z.object({ locator: z.string(), content: exampleContentSchema.nullable(), problem: z.string().nullable() })),
});
export type Detection = z.infer<typeof detectionSchema>;

export const chunkingSchema = z.object({
  unit: z.enum(['tokens', 'words']),
  tokenizer: z.string().nullable(),
  tokenizerSha256: z.string().nullable(),
  note: z.string().nullable(),
  size: z.number().int(),
  overlap: z.number().int(),
});

export const importResultSchema = z.object({
  importId: z.string(),
  datasetId: z.string(),
  versionId: z.string(),
  versionNumber: z.number().int(),
  contentHash: z.string(),
  format: taskFormatSchema,
  fileType: z.union([fileTypeSchema, z.literal('documents')]),
  rowsImported: z.number().int(),
  rowsRejected: z.number().int(),
  rejectsPath: z.string().nullable(),
  sourceSha256: z.string(),
  durationMs: z.number(),
  /** Documents only: how chunks were measured (tokens of a tokenizer.json, or words and a note saying so). */
  chunking: chunkingSchema.optional(),
});
export type ImportResult = z.infer<typeof importResultSchema>;


/** Chunking of documents for continued pre-training; without a tokenizer, size and overlap are in words. */
const documentChunkArgs = {
  chunkSize: z.number().int().min(16).max(100_000).default(512),
  overlap: z.number().int().min(0).max(10_000).default(64),
  /** A tokenizer.json, or a model folder holding one; omitted: chunks are measured in words. */
  tokenizerPath: z.string().min(1).optional(),
};

export const documentPreviewSchema = z.object({
  path: z.string(),
  kind: z.enum(['folder', 'file', 'archive']),
  files: z.array(z.object({ file: z.string(), type: z.string(), bytes: z.number().int() })),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
  chunking: chunkingSchema,
  chunks: z.array(z.object({ locator: z.string(), text: z.string() })),
  problems: z.array(z.string()),
});
export type DocumentPreview = z.infer<typeof documentPreviewSchema>;

export const datasetSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['task', 'documents']),
  createdAt: z.string(),
  latestVersion: z
    .object({ id: z.string(), number: z.number().int(), exampleCount: z.number().int(), contentHash: z.string(), createdAt: z.string() })
    .nullable(),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

export const versionSchema = z.object({
  id: z.string(),
  number: z.number().int(),
  parentId: z.string().nullable(),
  contentHash: z.string(),
  exampleCount: z.number().int(),
  operation: z.string(),
  params: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type DatasetVersion = z.infer<typeof versionSchema>;

const importArgs = z
  .object({
    path: z.string().min(1),
    datasetName: z.string().trim().min(1).max(200),
    jobId: z.string().min(1).max(100).optional(),
    fileType: fileTypeSchema.optional(),
    format: taskFormatSchema.optional(),
    mapping: columnMappingSchema.optional(),
    /** abort: the first bad row stops the import and nothing is written; skip: bad rows go to a rejects file. */
    onError: z.enum(['abort', 'skip']).default('abort'),
  })
  .strict();
export type ImportArgs = z.output<typeof importArgs>;

export const splitSchema = z.enum(['train', 'validation', 'test']);

/** A curation step: each makes a new immutable version from a parent; the parent stays. */
export const curateOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('dedup-exact') }).strict(),
  z.object({ op: z.literal('dedup-near'), threshold: z.number().min(0.5).max(1).default(0.8) }).strict(),
  z.object({ op: z.literal('pii-redact'), customPatterns: z.array(z.string().min(1).max(500)).max(50).default([]) }).strict(),
  z.object({ op: z.literal('pii-drop'), customPatterns: z.array(z.string().min(1).max(500)).max(50).default([]) }).strict(),
  z
    .object({
      op: z.literal('split'),
      seed: z.number().int().min(0).default(0),
      validation: z.number().min(0).max(0.5).default(0.1),
      test: z.number().min(0).max(0.5).default(0.1),
      stratifyBy: z.enum(['none', 'source']).default('none'),
    })
    .strict(),
]);
export type CurateOperation = z.output<typeof curateOperationSchema>;

export const piiHitSchema = z.object({ position: z.number().int(), kind: z.string(), context: z.string() });

/**
 * A dataset version approved for training (issue 15): who and when, the version's content hash then, and in team mode
 * the approver's electronic signature over that hash (`valid` is false once the version's content differs).
 */
export const versionApprovalSchema = z.object({
  id: z.string(),
  versionId: z.string(),
  approvedBy: z.string(),
  approvedAt: z.string(),
  contentHash: z.string(),
  note: z.string().nullable(),
  /** The version's content is still what was approved. */
  current: z.boolean(),
  signatures: z.array(signatureSchema),
});
export type VersionApproval = z.infer<typeof versionApprovalSchema>;

export const datasetHandlers = {
  'datasets.approveVersion': handler({
    summary: 'Approves a dataset version for training; in team mode the approver signs it with their password (meaning "approved for training").',
    args: z.object({ versionId: z.string().min(1), note: z.string().trim().max(2000).optional(), password: signingPasswordSchema.optional() }).strict(),
    result: z.object({ approvals: z.array(versionApprovalSchema) }),
    writes: true,
  }),
  'datasets.approvals': handler({
    summary: "A dataset version's approvals for training, each checked against the version as it is now.",
    args: z.object({ versionId: z.string().min(1) }).strict(),
    result: z.object({ approvals: z.array(versionApprovalSchema) }),
    writes: false,
  }),
  'datasets.list': handler({
    summary: 'Every dataset with its latest version.',
    args: z.object({}).strict(),
    result: z.object({ datasets: z.array(datasetSummarySchema) }),
    writes: false,
  }),
  'datasets.detect': handler({
    summary: 'Reads the start of a file: type, encoding, task format, proposed mapping and a preview.',
    args: z.object({ path: z.string().min(1), fileType: fileTypeSchema.optional(), format: taskFormatSchema.optional(), mapping: columnMappingSchema.optional() }).strict(),
    result: detectionSchema,
    writes: false,
  }),
  'datasets.import': handler({
    summary: 'Streams a file into a new dataset version in one transaction, off the main loop, with progress.',
    args: importArgs,
    result: importResultSchema,
    writes: true,
  }),
  'datasets.importDocuments': handler({
    summary: 'Imports documents (.txt .md .html .pdf .docx, a folder of them or a .zip) as token chunks with overlap for continued pre-training.',
    args: z
      .object({
        path: z.string().min(1),
        datasetName: z.string().trim().min(1).max(200),
        jobId: z.string().min(1).max(100).optional(),
        ...documentChunkArgs,
        /** abort: the first unreadable file (encrypted/corrupt PDF, …) stops the import; skip: it is listed in the rejects file. */
        onError: z.enum(['abort', 'skip']).default('abort'),
      })
      .strict(),
    result: importResultSchema,
    writes: true,
  }),
  'datasets.previewDocuments': handler({
    summary: 'Lists the documents at a path (file, folder or .zip) and chunks the first ones, with pages and offsets.',
    args: z.object({ path: z.string().min(1), ...documentChunkArgs, limit: z.number().int().min(1).max(50).default(6) }).strict(),
    result: documentPreviewSchema,
    writes: false,
  }),
  'datasets.versions': handler({
    summary: 'The versions of one dataset, newest first.',
    args: z.object({ datasetId: z.string().min(1) }).strict(),
    result: z.object({ versions: z.array(versionSchema) }),
    writes: false,
  }),
  'datasets.examples': handler({
    summary: 'A page of a version\'s examples, in order.',
    args: z
      .object({
        versionId: z.string().min(1),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
        /** Only one split ("none": not yet split); offset then counts within the split. */
        split: z.union([splitSchema, z.literal('none')]).optional(),
      })
      .strict(),
    result: z.object({
      total: z.number().int(),
      examples: z.array(z.object({ position: z.number().int(), contentHash: z.string(), content: exampleContentSchema, source: z.string(), split: splitSchema.nullable() })),
    }),
    writes: false,
  }),
  'datasets.curate': handler({
    summary: 'Applies one curation step (exact dedup, PII redact/drop, split) and records the new version.',
    args: z.object({ versionId: z.string().min(1), operation: curateOperationSchema }).strict(),
    /** changed: content changed (as Compare counts); resplit: same content, another split (or a first one). */
    result: z.object({ version: versionSchema, removed: z.number().int(), changed: z.number().int(), resplit: z.number().int() }),
    writes: true,
  }),
  'datasets.piiScan': handler({
    summary: 'Finds PII in a version (emails, phones, IBAN, cards, SSN, IPs, custom patterns) with context.',
    args: z.object({ versionId: z.string().min(1), customPatterns: z.array(z.string().min(1).max(500)).max(50).default([]), limit: z.number().int().min(1).max(5000).default(200) }).strict(),
    result: z.object({ examplesScanned: z.number().int(), examplesWithPii: z.number().int(), byKind: z.record(z.string(), z.number().int()), hits: z.array(piiHitSchema) }),
    writes: false,
  }),
  'datasets.nearDuplicates': handler({
    summary: 'Clusters of near-duplicate examples (MinHash/LSH over character 5-grams) for review.',
    args: z.object({ versionId: z.string().min(1), threshold: z.number().min(0.5).max(1).default(0.8), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.object({
      clusters: z.number().int(),
      duplicates: z.number().int(),
      review: z.array(z.object({ positions: z.array(z.number().int()), previews: z.array(z.string()) })),
    }),
    writes: false,
  }),
  'datasets.search': handler({
    summary: 'Full-text search (FTS5) within one version; every word must match, in order of position.',
    args: z.object({ versionId: z.string().min(1), query: z.string().trim().min(1).max(500), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.object({
      examples: z.array(z.object({ position: z.number().int(), contentHash: z.string(), content: exampleContentSchema, source: z.string(), split: splitSchema.nullable() })),
      /** Examples committed but not yet in the search index (0 unless indexing a big import is still catching up). */
      notYetSearchable: z.number().int(),
    }),
    writes: false,
  }),
  'datasets.diff': handler({
    summary: 'Added, removed and changed examples between two versions (by content hash and source).',
    args: z.object({ fromVersionId: z.string().min(1), toVersionId: z.string().min(1) }).strict(),
    result: z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int(), unchanged: z.number().int() }),
    writes: false,
  }),
  'datasets.diffExamples': handler({
    summary: 'The examples behind a count of datasets.diff, a page at a time: a changed one before and after (paired by source), an added or removed one as it is.',
    args: z
      .object({
        fromVersionId: z.string().min(1),
        toVersionId: z.string().min(1),
        kind: z.enum(['changed', 'added', 'removed']),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(100).default(20),
      })
      .strict(),
    result: z.object({
      total: z.number().int(),
      items: z.array(z.object({ source: z.string(), before: exampleContentSchema.nullable(), after: exampleContentSchema.nullable() })),
    }),
    writes: false,
  }),
};
