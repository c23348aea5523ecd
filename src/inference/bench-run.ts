import type { Token } from 'node-llama-cpp';
import fs from 'node:fs';
import { complete } from './chat-once.js';
import type { LlamaRuntime } from './llama-runtime.js';
import { inferenceThreads } from './llama-runtime.js';

export interface BenchRequest {
  modelPath: string;
  promptTokens: number;
  genTokens: number;
  repetitions: number;
  threads?: number | undefined;
  contextSize?: number | undefined;
}

/**
 * The llama-bench measurement through our own slot code: "pp N" evaluates N prompt tokens in one batch from an
 * empty cache; "tg N" generates N tokens one by one through node-llama-cpp's sampling loop (the loop under every
 * chat). "chat tg" is a whole generation the way a chat request runs it (`complete()`: LlamaCompletion,
 * detokenising, stop triggers, the host's coalesced token events via `stream`), on the same slot; it may stop
 * early at an end-of-generation token, so it is a speed over however many tokens came.
 * Each is the mean of `repetitions` runs after one warm-up, like llama-bench's default.
 */
export async function benchModel(runtime: LlamaRuntime, req: BenchRequest, stream: (text: string) => void = () => undefined) {
  const threads = req.threads ?? inferenceThreads();
  const contextSize = req.contextSize ?? Math.max(512, nextPow2(req.promptTokens + req.genTokens + 16));
  const llama = await runtime.get();
  const system = { cpuVariant: loadedCpuVariant(), systemInfo: llama.systemInfo.replace(/\s+/g, ' ').trim() };
  const chatTg = async () => {
    const r = await complete(runtime, { modelPath: req.modelPath, prompt: 'The substation transformer', maxTokens: req.genTokens, temperature: 0, seed: 0 }, stream, undefined, { contextSize, threads });
    return r.tokensPerSecond;
  };
  const measured = await runtime.withSlot(req.modelPath, [], { contextSize, threads }, async (slot) => {
    const bos = slot.model.tokens.bos ?? (1 as Token);
    // Real text tokens, cycled to length: the content does not change the cost of a batch.
    const seed = slot.model.tokenize('The substation transformer steps the grid voltage down for the feeder lines. ');
    const prompt: Token[] = Array.from({ length: req.promptTokens }, (_, i) => seed[i % seed.length]!);
    const pp = async () => {
      await slot.sequence.clearHistory();
      const t = performance.now();
      await slot.sequence.evaluateWithoutGeneratingNewTokens(prompt);
      return req.promptTokens / ((performance.now() - t) / 1000);
    };
    const tg = async () => {
      await slot.sequence.clearHistory();
      await slot.sequence.evaluateWithoutGeneratingNewTokens([bos]);
      let n = 0;
      const t = performance.now();
      // Greedy sampling; an end-of-generation token does not stop the count, like llama-bench's tg.
      for await (const token of slot.sequence.evaluate([bos], { temperature: 0, yieldEogToken: true })) {
        void token;
        if (++n >= req.genTokens) break;
      }
      return n / ((performance.now() - t) / 1000);
    };
    await pp();
    await tg();
    const ppRuns: number[] = [];
    const tgRuns: number[] = [];
    for (let i = 0; i < req.repetitions; i++) ppRuns.push(await pp());
    for (let i = 0; i < req.repetitions; i++) tgRuns.push(await tg());
    await slot.sequence.clearHistory();
    return { ppTokensPerSecond: mean(ppRuns), tgTokensPerSecond: mean(tgRuns), threads, contextSize: slot.context.contextSize };
  });
  await chatTg();
  const chatRuns: number[] = [];
  for (let i = 0; i < req.repetitions; i++) chatRuns.push(await chatTg());
  return { ...measured, chatTgTokensPerSecond: mean(chatRuns), ...system };
}

/** The libggml-cpu variant node-llama-cpp loaded in this process (e.g. "haswell", "sapphirerapids"); Linux only. */
export function loadedCpuVariant(): string {
  try {
    return /libggml-cpu-([\w-]+)\.so/.exec(fs.readFileSync('/proc/self/maps', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));
