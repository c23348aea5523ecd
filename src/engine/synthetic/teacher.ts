import type Database from 'better-sqlite3';
import type { GeneratedItem, Provenance, SyntheticSampling } from '../../shared/contract/features/synthetic.js';
import type { GenerationResult } from '../../shared/inference-contract.js';
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
export const chunkSeed = (seed: number, position: number, variant = 0) => seed + position + variant * 1_000_003;

/**
 * Asks the teacher for one example from one chunk, with the output constrained to the template's JSON schema,
 * then checks grounding and PII. The teacher runs in the inference host; a crash there rejects this promise.
 */
export async function generateFromChunk(ctx: EngineContext, s: TeacherSetup, chunk: SourceChunk, requestId: string): Promise<ChunkResult> {
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
    seed: chunkSeed(s.sampling.seed, chunk.position, chunk.variant),
    jsonSchema: schemaWithin(s.template, s.sampling.maxTokens),
  });
  return interpret(s, chunk, r, Date.now() - started);
}

/**
 * The same for several chunks at once on `parallel` sequences of one context (inference.chatBatch): results in
 * chunk order, each timed as its share of the batch so tokens/s and ETA stay comparable with single requests.
 */
export async function generateBatch(ctx: EngineContext, s: TeacherSetup, chunks: SourceChunk[], requestId: string, parallel: number): Promise<ChunkResult[]> {
  const started = Date.now();
  const longest = chunks.reduce((n, c) => Math.max(n, c.text.length), 0);
  const { results } = await ctx.inference.client().send('inference.chatBatch', {
    requestId,
    modelPath: s.target.model.path,
    adapters: s.target.adapters.map((a) => ({ path: a.path, scale: 1 })),
    items: chunks.map((c) => ({ system: s.template.system, prompt: renderPrompt(s.template, c.text), seed: chunkSeed(s.sampling.seed, c.position, c.variant) })),
    parallel,
    // Room for the longest prompt (a token is at least one character) and the answer; capped by the contract.
    sequenceTokens: Math.min(131_072, Math.max(256, Math.ceil((longest + s.template.prompt.length + s.template.system.length) / 2) + s.sampling.maxTokens + 64)),
    maxTokens: s.sampling.maxTokens,
    temperature: s.sampling.temperature,
    ...(s.sampling.topP !== undefined ? { topP: s.sampling.topP } : {}),
    jsonSchema: schemaWithin(s.template, s.sampling.maxTokens),
  });
  const share = Math.round((Date.now() - started) / Math.max(1, chunks.length));
  return chunks.map((c, i) => interpret(s, c, results[i]!, share));
}

function interpret(s: TeacherSetup, chunk: SourceChunk, r: GenerationResult, durationMs: number): ChunkResult {
  const seed = chunkSeed(s.sampling.seed, chunk.position, chunk.variant);
  const base = { promptTokens: r.promptTokens, outputTokens: r.tokens, tokensPerSecond: r.tokensPerSecond, durationMs };
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
