import { z } from 'zod';
import { handler } from '../define.js';

export const lineageKindSchema = z.enum(['version', 'run', 'model', 'eval', 'export', 'release']);
export type LineageKind = z.infer<typeof lineageKindSchema>;

export const lineageNodeSchema = z.object({
  kind: lineageKindSchema,
  id: z.string(),
  label: z.string(),
  /** What kind of thing within its kind: a model's kind (base, adapter, gguf…), a version's operation, a run's status. */
  sub: z.string(),
  /** The content hash a reviewer checks: model sha256, version content hash, export manifest, run adapter. */
  hash: z.string().nullable(),
  createdAt: z.string(),
  /** Steps from the focus node: negative upstream (what it came from), positive downstream (what came of it). */
  depth: z.number().int(),
  facts: z.array(z.object({ label: z.string(), value: z.string() })),
});
export type LineageNode = z.infer<typeof lineageNodeSchema>;

export const lineageSchema = z.object({
  focus: z.object({ kind: lineageKindSchema, id: z.string() }),
  nodes: z.array(lineageNodeSchema),
  edges: z.array(z.object({ from: z.string(), to: z.string(), label: z.string() })),
  /** True when the walk stopped at its node limit. */
  truncated: z.boolean(),
});
export type Lineage = z.infer<typeof lineageSchema>;

export const lineageHandlers = {
  'lineage.get': handler({
    summary: 'Everything a node came from (base model, dataset versions and their curation steps, run) and everything that came of it (adapters, evals, exports, releases), as a graph with hashes.',
    args: z.object({ kind: lineageKindSchema, id: z.string().min(1), limit: z.number().int().min(10).max(2000).default(300) }).strict(),
    result: lineageSchema,
    writes: false,
  }),
};
