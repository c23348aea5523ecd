import type Database from 'better-sqlite3';
import type { GeneratedItem, Provenance, SyntheticSampling } from '../../shared/contract/features/synthetic.js';
import type { EngineContext } from '../context.js';
import { findPii } from '../datasets/pii.js';
import { checkTargetFiles, resolveTarget, type ResolvedTarget } from '../playground/targets.js';
import { parseLocator, type SourceChunk } from './chunks.js';
import { checkGrounding } from './grounding.js';
import { renderPrompt, schemaWithin, toExample, type ResolvedTemplate } from './templates.js';

export interface TeacherSetup {
  target: ResolvedTarget;
  template: ResolvedTemplate;
  sampling: SyntheticSampling;
  sourceVersionId: string;
  jobId: string;
}

export interface ChunkResult {
  item: GeneratedItem | null;
  /** Why the chunk produced nothing (output cut at maxTokens, did not parse): data for the job summary. */
  problem: string | null;
  aborted: boolean;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  durationMs: number;
}

export function resolveTeacher(db: Database.Database, modelId: string, adapterIds: string[]): ResolvedTarget {
  const target = resolveTarget(db, { modelId, adapterIds });
  checkTargetFiles(target);
  return target;
}

/** Each chunk has its own seed (job seed + chunk position), so a resumed job samples exactly what it would have. */
export const chunkSeed = (seed: number, position: number) => seed + position;

/**
 * Asks the teacher for one example from one chunk, with the output constrained to the template's JSON schema,
 * then checks grounding and PII. The teacher runs in the inference host; a crash there rejects this promise.
 */
export async function generateFromChunk(ctx: EngineContext, s: TeacherSetup, chunk: SourceChunk, requestId: string): Promise<ChunkResult> {
  const seed = chunkSeed(s.sampling.seed, chunk.position);
  const started = Date.now();
  const r = await ctx.inference.client().send('inference.chat', {
    requestId,
    modelPath: s.target.model.path,
    adapters: s.target.adapters.map((a) => ({ path: a.path, scale: 1 })),
    system: s.template.system,
    history: [],
    prompt: renderPrompt(s.template, chunk.text),
    maxTokens: s.sampling.maxTokens,
    temperature: s.sampling.temperature,
    ...(s.sampling.topP !== undefined ? { topP: s.sampling.topP } : {}),
    seed,
    jsonSchema: schemaWithin(s.template, s.sampling.maxTokens),
  });
  const base = { promptTokens: r.promptTokens, outputTokens: r.tokens, tokensPerSecond: r.tokensPerSecond, durationMs: Date.now() - started };
  if (r.stopReason === 'abort') return { item: null, problem: 'cancelled', aborted: true, ...base };
  let generated;
  try {
    generated = toExample(s.template, chunk.text, r.text);
  } catch (err) {
    const why = r.stopReason === 'maxTokens' ? `the answer was cut at ${s.sampling.maxTokens} tokens` : (err as Error).message;
    return { item: null, problem: `Chunk ${chunk.position}: no example (${why}).`, aborted: false, ...base };
  }
  const loc = parseLocator(chunk.locator);
  const provenance: Provenance = {
    jobId: s.jobId,
    sourceVersionId: s.sourceVersionId,
    chunkPosition: chunk.position,
    chunkHash: chunk.hash,
    document: loc.document,
    locator: chunk.locator,
    pages: loc.pages,
    chars: loc.chars,
    teacher: { modelId: s.target.model.id, name: s.target.label, sha256: s.target.model.sha256, adapters: s.target.adapters.map((a) => ({ id: a.id, sha256: a.sha256 })) },
    template: { kind: s.template.kind, version: s.template.version },
    sampling: { temperature: s.sampling.temperature, topP: s.sampling.topP ?? null, maxTokens: s.sampling.maxTokens },
    seed,
  };
  // Every message is scanned: a summary's prompt carries the chunk, and the example will be trained on as a whole.
  const pii = findPii(generated.messages.map((m) => m.content).join('\n')).map((m) => ({ kind: m.kind, text: m.text }));
  return {
    item: { messages: generated.messages, raw: r.text, provenance, grounding: checkGrounding(generated.claim, chunk.text), pii },
    problem: null,
    aborted: false,
    ...base,
  };
}
