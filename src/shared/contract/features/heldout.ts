import { z } from 'zod';
import { handler } from '../define.js';
import { evalSplitSchema } from './evals.js';

/** One held-out loss/perplexity measurement (issue 6): a model (+ adapter) on one split of one dataset version. */
export const heldoutResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  modelId: z.string(),
  modelSha256: z.string(),
  adapterId: z.string().nullable(),
  adapterSha256: z.string().nullable(),
  datasetVersionId: z.string(),
  datasetName: z.string(),
  versionNumber: z.number().int(),
  split: evalSplitSchema,
  documents: z.number().int(),
  tokens: z.number().int(),
  /** Token-weighted mean negative log-likelihood, in nats per token. */
  loss: z.number(),
  /** exp(loss). */
  ppl: z.number(),
  maxSeqLen: z.number().int(),
  stride: z.number().int(),
  /** e.g. "cpu" or "cuda · NVIDIA H200". */
  device: z.string(),
  precision: z.string(),
  seconds: z.number(),
  perDocument: z.array(z.object({ index: z.number().int(), tokens: z.number().int(), loss: z.number().nullable(), ppl: z.number().nullable() })),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type HeldoutResult = z.infer<typeof heldoutResultSchema>;

export const heldoutHandlers = {
  'evals.perplexity': handler({
    summary:
      'Measures held-out loss and perplexity of an HF model (or an adapter on its base) on a split of a dataset version, ' +
      'in the trainer (GPU when present), with a sliding window for long documents; stores and audits the result.',
    args: z.object({
      /** An HF model, or a PEFT adapter (its registered base is loaded under it). */
      modelId: z.string().min(1),
      datasetVersionId: z.string().min(1),
      split: evalSplitSchema.default('test'),
      maxSeqLen: z.number().int().min(8).max(131072).optional(),
      stride: z.number().int().min(1).max(131072).optional(),
      maxDocuments: z.number().int().min(1).max(100000).optional(),
      device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
      jobId: z.string().min(1).optional(),
    }).strict(),
    result: heldoutResultSchema,
    writes: true,
  }),
  'evals.perplexityResults': handler({
    summary: 'Stored held-out perplexity results, newest first, optionally for one dataset version.',
    args: z.object({ datasetVersionId: z.string().min(1).optional() }).strict(),
    result: z.object({ results: z.array(heldoutResultSchema) }),
    writes: false,
  }),
};
