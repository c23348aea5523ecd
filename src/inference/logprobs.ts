import type { Token } from 'node-llama-cpp';
import { LatheError } from '../shared/contract/errors.js';
import type { LlamaRuntime } from './llama-runtime.js';

export interface LogprobsRequest {
  modelPath: string;
  tokens: number[];
  positions: Array<{ index: number; tokens: number[] }>;
  text?: string | undefined;
}

export interface LogprobsResult {
  positions: Array<{ index: number; argmax: number; logprobs: number[] }>;
  textTokens: number[] | null;
  vocabSize: number;
}

/** log(p) for p = 0 (a float32 softmax underflows far below any tolerance that matters). */
const LOG_FLOOR = Math.log(1e-30);

/**
 * Feeds the token ids exactly as given (no template, no BOS) and reads the next-token distribution at the asked
 * positions. With temperature 0 node-llama-cpp's sampler chain is the greedy sampler alone, so the
 * probabilities it returns are the softmax of the raw logits over the whole vocabulary: what the export check
 * compares with the source model's. The slot's history is cleared first and after, so no chat reuses it.
 */
export async function tokenLogprobs(runtime: LlamaRuntime, req: LogprobsRequest): Promise<LogprobsResult> {
  const wanted = new Map(req.positions.map((p) => [p.index, p.tokens]));
  for (const index of wanted.keys()) {
    if (index >= req.tokens.length) throw new LatheError('INVALID_ARGUMENTS', `Position ${index} is past the ${req.tokens.length} tokens given.`, 'Ask only for positions inside the token list.');
  }
  return runtime.withSlot(req.modelPath, [], {}, async (slot) => {
    if (req.tokens.length >= slot.context.contextSize) {
      throw new LatheError('INVALID_ARGUMENTS', `${req.tokens.length} tokens do not fit the ${slot.context.contextSize}-token context.`, 'Use a shorter prompt.');
    }
    await slot.sequence.clearHistory();
    try {
      const input = req.tokens.map((t, i) => (wanted.has(i) ? ([t as Token, { generateNext: { probabilities: true, options: { temperature: 0 } } }] as const) : (t as Token)));
      const out = await slot.sequence.controlledEvaluate(input as never);
      let vocabSize = 0;
      const positions = [...wanted.entries()].map(([index, asked]) => {
        const probs = out[index]?.next.probabilities;
        if (!probs?.size) throw new LatheError('INFERENCE_FAILED', `llama.cpp returned no probabilities at position ${index}.`, 'The model file may be damaged; convert it again.');
        vocabSize = Math.max(vocabSize, probs.size);
        const argmax = probs.keys().next().value as number;
        return { index, argmax, logprobs: asked.map((t) => Math.max(LOG_FLOOR, Math.log(probs.get(t as Token) ?? 0))) };
      });
      const textTokens = req.text === undefined ? null : [...slot.model.tokenize(req.text, true)].map(Number);
      return { positions, textTokens, vocabSize };
    } catch (err) {
      if (err instanceof LatheError) throw err;
      throw new LatheError('INFERENCE_FAILED', `llama.cpp could not score the tokens: ${(err as Error).message}`, 'Check that the token ids belong to this model’s vocabulary.');
    } finally {
      await slot.sequence.clearHistory().catch(() => undefined);
    }
  });
}
