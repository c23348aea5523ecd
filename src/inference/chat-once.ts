import { LlamaChatSession, LlamaCompletion, type ChatHistoryItem, type LlamaGrammar, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { LatheError } from '../shared/contract/errors.js';
import type { AdapterRef, GenerationResult } from '../shared/inference-contract.js';
import type { LlamaRuntime } from './llama-runtime.js';
import { fitSystemToTemplate, trainedTemplate } from './trained-template.js';

export interface SamplingArgs {
  maxTokens: number;
  temperature: number;
  topP?: number | undefined;
  topK?: number | undefined;
  minP?: number | undefined;
  repeatPenalty?: number | undefined;
  seed: number;
  stop?: string[] | undefined;
  jsonSchema?: Record<string, unknown> | undefined;
}

export interface ChatRequest extends SamplingArgs {
  modelPath: string;
  adapters?: AdapterRef[];
  system?: string | undefined;
  history?: Array<{ role: 'user' | 'assistant'; content: string }>;
  prompt: string;
}

export interface CompleteRequest extends SamplingArgs {
  modelPath: string;
  adapters?: AdapterRef[];
  prompt: string;
}

/**
 * One answer to the last user message, rendered with the chat template stored in the GGUF exactly as the model
 * was trained with it (trained-template.ts). The slot's KV cache is kept, so when the history matches what was evaluated
 * last time only the new turn is processed.
 */
export async function chat(runtime: LlamaRuntime, req: ChatRequest, onText: (text: string) => void, signal?: AbortSignal): Promise<GenerationResult> {
  return runtime.withSlot(req.modelPath, req.adapters ?? [], {}, async (slot) => {
    const grammar = await jsonGrammar(runtime, req.jsonSchema);
    const tpl = trainedTemplate(slot.model);
    const session = new LlamaChatSession({ contextSequence: slot.sequence, autoDisposeSequence: false, ...(tpl ? { chatWrapper: tpl.wrapper } : {}) });
    try {
      const fitted = fitSystemToTemplate(tpl, { system: req.system, history: req.history ?? [], prompt: req.prompt });
      const history: ChatHistoryItem[] = [];
      if (fitted.system) history.push({ type: 'system', text: fitted.system });
      for (const m of fitted.history) history.push(m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] });
      session.setChatHistory(history);
      const meter = startMeter(slot.sequence, onText);
      const answer = await session.promptWithMeta(fitted.prompt, {
        ...samplingOptions(req),
        ...(grammar ? { grammar } : {}),
        ...(signal ? { signal, stopOnAbortSignal: true } : {}),
        onTextChunk: meter.onText,
        onToken: meter.onToken,
      });
      return meter.result(answer.responseText, answer.stopReason, slot.sequence);
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }).catch(rethrow);
}

/** Raw continuation with no template (OpenAI /v1/completions). `slotOptions` lets the bench reuse its own slot. */
export async function complete(runtime: LlamaRuntime, req: CompleteRequest, onText: (text: string) => void, signal?: AbortSignal, slotOptions: { contextSize?: number; threads?: number } = {}): Promise<GenerationResult> {
  return runtime.withSlot(req.modelPath, req.adapters ?? [], slotOptions, async (slot) => {
    const grammar = await jsonGrammar(runtime, req.jsonSchema);
    const completion = new LlamaCompletion({ contextSequence: slot.sequence, autoDisposeSequence: false });
    try {
      const meter = startMeter(slot.sequence, onText);
      const answer = await completion.generateCompletionWithMeta(req.prompt, {
        ...samplingOptions(req),
        ...(grammar ? { grammar } : {}),
        ...(signal ? { signal, stopOnAbortSignal: true } : {}),
        onTextChunk: meter.onText,
        onToken: meter.onToken,
      });
      return meter.result(answer.response, answer.metadata.stopReason, slot.sequence);
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  }).catch(rethrow);
}

export function samplingOptions(req: SamplingArgs) {
  return {
    maxTokens: req.maxTokens,
    temperature: req.temperature,
    seed: req.seed,
    ...(req.topP !== undefined ? { topP: req.topP } : {}),
    ...(req.topK !== undefined ? { topK: req.topK } : {}),
    ...(req.minP !== undefined ? { minP: req.minP } : {}),
    ...(req.repeatPenalty !== undefined ? { repeatPenalty: { penalty: req.repeatPenalty } } : {}),
    ...(req.stop?.length ? { customStopTriggers: req.stop } : {}),
  };
}

export async function jsonGrammar(runtime: LlamaRuntime, schema: Record<string, unknown> | undefined): Promise<LlamaGrammar | null> {
  if (!schema) return null;
  const problem = schemaProblem(schema, '$');
  if (problem) throw new LatheError('INVALID_ARGUMENTS', `The JSON schema cannot be used to constrain the answer: ${problem}.`, 'Use a plain JSON schema (object, array, string, number, integer, boolean, null, enum, const).');
  const llama = await runtime.get();
  try {
    return await llama.createGrammarForJsonSchema(schema as never);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `The JSON schema cannot be used to constrain the answer: ${(err as Error).message}`, 'Use a plain JSON schema (object, array, string, number, boolean, enum, const).');
  }
}

const JSON_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** llama.cpp's grammar builder treats an unknown type as "anything"; say so instead of generating junk. */
function schemaProblem(node: unknown, where: string): string | null {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return `${where} is not a schema object`;
  const s = node as Record<string, unknown>;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types) if (typeof t !== 'string' || !JSON_TYPES.has(t)) return `${where}.type "${String(t)}" is not a JSON type`;
  for (const [k, v] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) {
    const p = schemaProblem(v, `${where}.properties.${k}`);
    if (p) return p;
  }
  if (s.items !== undefined && typeof s.items === 'object') return schemaProblem(s.items, `${where}.items`);
  return null;
}

/** Time to first token from the call, generation speed from the first token on (prompt time excluded). */
export function startMeter(sequence: LlamaContextSequence, onText: (text: string) => void) {
  const started = performance.now();
  let firstTokenAt: number | null = null;
  let tokens = 0;
  return {
    onText(text: string) {
      firstTokenAt ??= performance.now();
      onText(text);
    },
    onToken(chunk: Token[]) {
      firstTokenAt ??= performance.now();
      tokens += chunk.length;
    },
    result(text: string, stopReason: string, seq: LlamaContextSequence = sequence): GenerationResult {
      const ended = performance.now();
      const genSeconds = (ended - (firstTokenAt ?? ended)) / 1000;
      return {
        text,
        tokens,
        promptTokens: Math.max(0, seq.contextTokens.length - tokens),
        tokensPerSecond: genSeconds > 0 ? Math.max(0, tokens - 1) / genSeconds : 0,
        timeToFirstTokenMs: (firstTokenAt ?? ended) - started,
        stopReason,
      };
    },
  };
}

function rethrow(err: unknown): never {
  if (err instanceof LatheError) throw err;
  throw new LatheError('INFERENCE_FAILED', `Generation failed: ${(err as Error).message}`, 'Try again; if it repeats, unload models (Playground → Unload) or restart Lathe.');
}
