import { LlamaChatSession } from 'node-llama-cpp';
import type { GenerationResult } from '../shared/inference-contract.js';
import os from 'node:os';
import type { LlamaRuntime } from './llama-runtime.js';

export interface ChatOnceRequest {
  modelPath: string;
  system?: string | undefined;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
}

/**
 * One question, one streamed answer, with the chat template stored in the GGUF. A fresh context per call
 * keeps answers independent; the playground's multi-turn sessions come with the models issue.
 */
export async function chatOnce(
  runtime: LlamaRuntime,
  req: ChatOnceRequest,
  onText: (text: string) => void,
): Promise<GenerationResult> {
  const model = await runtime.model(req.modelPath);
  const context = await model.createContext({ contextSize: Math.min(2048, model.trainContextSize), threads: inferenceThreads() });
  try {
    const session = new LlamaChatSession({
      contextSequence: context.getSequence(),
      ...(req.system ? { systemPrompt: req.system } : {}),
    });
    const started = performance.now();
    let firstTokenAt: number | null = null;
    let tokens = 0;
    const answer = await session.promptWithMeta(req.prompt, {
      maxTokens: req.maxTokens,
      temperature: req.temperature,
      seed: req.seed,
      onTextChunk(text) {
        firstTokenAt ??= performance.now();
        onText(text);
      },
      onToken(chunk) {
        tokens += chunk.length;
      },
    });
    const ended = performance.now();
    const genSeconds = (ended - (firstTokenAt ?? ended)) / 1000;
    return {
      text: answer.responseText,
      tokens,
      tokensPerSecond: genSeconds > 0 ? Math.max(0, tokens - 1) / genSeconds : 0,
      timeToFirstTokenMs: (firstTokenAt ?? ended) - started,
      stopReason: answer.stopReason,
    };
  } finally {
    await context.dispose();
  }
}

/**
 * llama.cpp's worker threads spin while they wait, so using every core makes generation collapse as soon as
 * anything else runs (measured here on 2 cores with other work: 35 ms with 1 thread vs 5.5 s with 2).
 * Leave one core free; LATHE_LLAMA_THREADS overrides.
 */
export function inferenceThreads(): number {
  const forced = Number(process.env.LATHE_LLAMA_THREADS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return Math.max(1, os.availableParallelism() - 1);
}
