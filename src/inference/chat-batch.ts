import { LlamaChatSession, type ChatHistoryItem, type LlamaContext } from 'node-llama-cpp';
import { LatheError } from '../shared/contract/errors.js';
import type { AdapterRef, GenerationResult } from '../shared/inference-contract.js';
import { jsonGrammar, samplingOptions, startMeter, type SamplingArgs } from './chat-once.js';
import { inferenceThreads, type LlamaRuntime } from './llama-runtime.js';
import { fitSystemToTemplate, trainedTemplate } from './trained-template.js';

export interface BatchItem {
  system?: string | undefined;
  prompt: string;
  seed: number;
}

export interface ChatBatchRequest extends Omit<SamplingArgs, 'seed'> {
  modelPath: string;
  adapters?: AdapterRef[];
  items: BatchItem[];
  /** Parallel sequences: llama.cpp evaluates their next tokens together in one batch. */
  parallel: number;
  /** Tokens each sequence may hold (prompt + answer). */
  sequenceTokens: number;
}

/**
 * Many independent single-turn chats on one model, `parallel` at a time on the sequences of one context, so
 * llama.cpp decodes them in shared batches (one weight pass serves every sequence: the win on CPU and GPU alike).
 * The context lives for this call only; the playground's resident slot and its KV cache are left alone.
 * Results come back in item order; on abort, unfinished items report stopReason "abort".
 */
export async function chatBatch(runtime: LlamaRuntime, req: ChatBatchRequest, signal?: AbortSignal): Promise<GenerationResult[]> {
  const model = await runtime.model(req.modelPath);
  const parallel = Math.max(1, Math.min(req.parallel, req.items.length));
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: parallel,
      contextSize: req.sequenceTokens * parallel,
      threads: { ideal: inferenceThreads(), min: inferenceThreads() },
      ...(req.adapters?.length ? { lora: { adapters: req.adapters.map((a) => ({ filePath: a.path, scale: a.scale ?? 1 })) } } : {}),
    });
  } catch (err) {
    throw new LatheError('INFERENCE_FAILED', `llama.cpp could not prepare ${parallel} parallel sequences: ${(err as Error).message}`, 'Generate with fewer parallel sequences, or free memory by unloading other models.');
  }
  try {
    const grammar = await jsonGrammar(runtime, req.jsonSchema);
    const results: GenerationResult[] = new Array(req.items.length);
    let next = 0;
    // The model's own template (trained-template.ts), resolved once per model and shared by every lane. The
    // sequence keeps its KV cache between items, so a shared system-prompt prefix is evaluated once per lane.
    const tpl = trainedTemplate(model);
    let wrapper: LlamaChatSession['chatWrapper'] | null = tpl?.wrapper ?? null;
    const lane = async () => {
      const sequence = context.getSequence();
      const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false, ...(wrapper ? { chatWrapper: wrapper } : {}) });
      wrapper ??= session.chatWrapper;
      try {
        for (let i = next++; i < req.items.length; i = next++) {
          const item = req.items[i]!;
          if (signal?.aborted) {
            results[i] = { text: '', tokens: 0, promptTokens: 0, tokensPerSecond: 0, timeToFirstTokenMs: 0, stopReason: 'abort' };
            continue;
          }
          const fitted = fitSystemToTemplate(tpl, { system: item.system, history: [], prompt: item.prompt });
          const history: ChatHistoryItem[] = fitted.system ? [{ type: 'system', text: fitted.system }] : [];
          session.setChatHistory(history);
          const meter = startMeter(sequence, () => undefined);
          const answer = await session.promptWithMeta(fitted.prompt, {
            ...samplingOptions({ ...req, seed: item.seed }),
            ...(grammar ? { grammar } : {}),
            ...(signal ? { signal, stopOnAbortSignal: true } : {}),
            onTextChunk: meter.onText,
            onToken: meter.onToken,
          });
          results[i] = meter.result(answer.responseText, answer.stopReason, sequence);
        }
      } finally {
        session.dispose({ disposeSequence: false });
        sequence.dispose();
      }
    };
    await Promise.all(Array.from({ length: parallel }, lane));
    return results;
  } catch (err) {
    if (err instanceof LatheError) throw err;
    throw new LatheError('INFERENCE_FAILED', `Batched generation failed: ${(err as Error).message}`, 'Try again with fewer parallel sequences; if it repeats, restart Lathe.');
  } finally {
    await context.dispose();
  }
}
