import { z } from 'zod';
import { handler } from '../define.js';

/** What an export folder can hold. GGUFs come from the merged model (or the model itself when it has no adapter). */
export const EXPORT_FORMATS = ['merged', 'gguf-f16', 'gguf-q8_0', 'gguf-q4_k_m', 'modelfile'] as const;
export const exportFormatSchema = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

/** The dtype merged weights are saved in: 'auto' keeps the base model's (bf16 for most released models). */
export const MERGED_DTYPES = ['auto', 'bfloat16', 'float16', 'float32'] as const;
export type MergedDtype = (typeof MERGED_DTYPES)[number];

export const exportFileSchema = z.object({ path: z.string(), format: z.string(), quant: z.string().nullable(), sha256: z.string(), bytes: z.number().int() });

export const exportSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  modelId: z.string(),
  baseModelId: z.string().nullable(),
  runId: z.string().nullable(),
  path: z.string(),
  formats: z.array(exportFormatSchema),
  /** 'running' while written, 'draft' once finished (the release state is `releaseState`), or 'failed'. */
  status: z.enum(['running', 'draft', 'failed']),
  /**
   * draft until a release decision names one of its files (exact bytes): 'released' when the gate passed,
   * 'overridden' when a reviewer released it against the gate with a written reason.
   */
  releaseState: z.enum(['draft', 'released', 'overridden']),
  release: z.object({ id: z.string(), file: z.string().nullable(), decision: z.enum(['released', 'overridden']), reviewer: z.string().nullable(), reason: z.string().nullable(), at: z.string() }).nullable(),
  manifestSha256: z.string().nullable(),
  verification: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  files: z.array(exportFileSchema),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  createdBy: z.string(),
});
export type ExportSummary = z.infer<typeof exportSummarySchema>;

export const exportHandlers = {
  'exports.create': handler({
    summary: 'Writes one export folder (merged safetensors, GGUFs, Modelfile, model card, SHA256SUMS), verifies every artefact, records it as a draft.',
    args: z
      .object({
        modelId: z.string().min(1),
        /** Default: everything that applies (merged only for an adapter). */
        formats: z.array(exportFormatSchema).min(1).optional(),
        mergedDtype: z.enum(MERGED_DTYPES).default('auto'),
        name: z.string().trim().min(1).max(200).optional(),
        intendedUse: z.string().max(5000).optional(),
        limitations: z.string().max(5000).optional(),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    result: exportSummarySchema,
    writes: true,
  }),
  'exports.list': handler({
    summary: 'Every export, newest first, with its files and hashes.',
    args: z.object({}).strict(),
    result: z.object({ exports: z.array(exportSummarySchema) }),
    writes: false,
  }),
  'exports.download': handler({
    summary:
      "Lets the caller's browser download one file of an export (a recorded artefact or its SHA256SUMS): checks the file is the one recorded, audits the download and returns a single-use link the browser server answers for a minute. Browser mode only: the desktop app has no link to follow.",
    args: z.object({ exportId: z.string().min(1), file: z.string().min(1).max(1000) }).strict(),
    result: z.object({ url: z.string(), file: z.string(), bytes: z.number().int(), sha256: z.string().nullable() }),
    writes: true,
  }),
  'exports.reveal': handler({
    summary: "Opens an export's folder in the desktop's file manager (the desktop app, where the engine runs on the user's own machine); browser mode downloads the files instead.",
    args: z.object({ exportId: z.string().min(1) }).strict(),
    result: z.object({ path: z.string() }),
    writes: false,
  }),
};

/**
 * One line per GGUF check for people (UI, CLI): how closely its next-token distributions follow the source model.
 * Older exports recorded only that the GGUF loaded and generated; they are described as such.
 */
export function describeGgufChecks(verification: Record<string, unknown>): string[] {
  const checks = (verification.gguf as Record<string, Record<string, unknown>> | undefined) ?? {};
  return Object.entries(checks).map(([file, c]) => {
    const logits = c.logits as { meanKl?: number; top1Agreement?: number | null; decisivePositions?: number; tolerance?: { meanKl?: number }; passed?: boolean } | undefined;
    if (!logits) return `${file}: loaded and generated in llama.cpp`;
    const top1 = logits.top1Agreement === null || logits.top1Agreement === undefined ? 'no clear positions' : `top-1 ${Math.round(logits.top1Agreement * 100)}% of ${logits.decisivePositions}`;
    const tokenizer = (c.tokenizer as { identical?: boolean } | undefined)?.identical ? 'same token ids' : 'token ids differ';
    return `${file}: next-token KL ${(logits.meanKl ?? 0).toFixed(4)} nats (≤ ${logits.tolerance?.meanKl}), ${top1}, ${tokenizer} ${logits.passed ? '✓' : '✗'}`;
  });
}
