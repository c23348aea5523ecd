import { LlamaChatSession } from 'node-llama-cpp';
import type { GenerationResult } from '../shared/inference-contract.js';
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
  const context = await model.createContext({ contextSize: Math.min(2048, model.trainContextSize) });
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
