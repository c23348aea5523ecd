/**
 * Where a generated token's time goes, measured with node-llama-cpp directly (no Lathe host, no IPC): the minimal
 * script outside Lathe that issue 22 asks for. Each line is ms per token, the mean of --tg tokens after a warm-up,
 * rounds alternated and the best round kept:
 *
 *   llama eval        llama.cpp's own eval timer (performanceTracking), i.e. llama_decode as seen from inside
 *   addon decode      context._ctx.decodeBatch() in a loop: the decode plus node-llama-cpp's AsyncWorker hop
 *   + sample          the same plus context._ctx.sampleToken() with a greedy sampler (a second AsyncWorker hop)
 *   sequence.evaluate node-llama-cpp's public generation loop (what bench-run.ts and every chat use)
 *   completion        LlamaCompletion with onTextChunk (detokenising, stop triggers), the chat code path
 *   llama-bench       `llama-bench -p 0 -n tg`, same threads: linked against node-llama-cpp's prebuilt libraries
 *                     (prebuilt-llama-bench.ts, same CPU variant), and the static build from llama-tools.ts
 *                     (GGML_NATIVE=OFF: AVX2, no AVX-512) when it is cached
 *
 *   npx tsx bench/tg-overhead.ts <model.gguf> [--tg 64] [--threads N] [--rounds 3]
 */
import { getLlama, LlamaCompletion, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { cachedLlamaTools } from '../src/engine/models/llama-tools.js';
import { prebuiltLlamaBench } from './prebuilt-llama-bench.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tg: { type: 'string', default: '64' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' } },
});
const model = positionals[0];
if (!model || !fs.existsSync(model)) throw new Error('usage: tg-overhead.ts <model.gguf> [--tg 64] [--threads N]');
const tg = Number(values.tg);
const threads = Number(values.threads);
const rounds = Number(values.rounds);

/** The libggml-cpu variant this process loaded (Linux), e.g. "sapphirerapids" or "haswell". */
function loadedCpuVariant(): string {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    return /libggml-cpu-([\w-]+)\.so/.exec(maps)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  let evalLines: string[] = [];
  const llama = await getLlama({
    build: 'never',
    gpu: false,
    logLevel: LlamaLogLevel.info,
    progressLogs: false,
    logger: (_level, message) => {
      if (/eval time/.test(message)) evalLines.push(message);
    },
  });
  const m = await llama.loadModel({ modelPath: model!, gpuLayers: 0 });
  const context = await m.createContext({ contextSize: 256, threads: { ideal: threads, min: threads }, performanceTracking: true });
  const sequence = context.getSequence();
  const bos = m.tokens.bos ?? (1 as Token);
  console.log(`cpu ${os.cpus()[0]?.model} · node-llama-cpp cpu variant ${loadedCpuVariant()} · threads ${threads} · tg ${tg}`);
  console.log(`systemInfo ${llama.systemInfo.replace(/\s+/g, ' ').trim()}`);

  // Internals, on purpose: the addon calls the public loop is built on.
  const ctx = (context as unknown as { _ctx: AddonCtx })._ctx;
  const seqId = (sequence as unknown as { _sequenceId: number })._sequenceId;
  const sampler = new (llama as unknown as { _bindings: { AddonSampler: new (m: unknown) => AddonSampler } })._bindings.AddonSampler((m as unknown as { _model: unknown })._model);
  sampler.applyConfig({ temperature: 0 });

  const raw = async (sample: boolean) => {
    ctx.removeTokenCellsFromSequence(seqId, 0, -1);
    let token = bos as number;
    let t = 0;
    for (let pos = 0; pos <= tg; pos++) {
      if (pos === 1) t = performance.now(); // the first decode is the prompt (BOS), as in llama-bench's warm-up
      ctx.initBatch(1);
      const [logitIndex] = ctx.addToBatch(seqId, pos, Uint32Array.of(token), Uint32Array.of(0));
      await ctx.decodeBatch();
      if (sample) token = (await ctx.sampleToken(logitIndex!, sampler)) as number;
    }
    ctx.removeTokenCellsFromSequence(seqId, 0, -1);
    return (performance.now() - t) / tg;
  };
  const evaluate = async () => {
    await sequence.clearHistory();
    await sequence.evaluateWithoutGeneratingNewTokens([bos]);
    let n = 0;
    const t = performance.now();
    for await (const token of sequence.evaluate([bos], { temperature: 0, yieldEogToken: true })) {
      void token;
      if (++n >= tg) break;
    }
    return (performance.now() - t) / n;
  };
  const completion = async () => {
    await sequence.clearHistory();
    const c = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
    let n = 0;
    let first = 0;
    let text = 0;
    await c.generateCompletion('The substation transformer', {
      maxTokens: tg + 1,
      temperature: 0,
      onToken: (chunk) => {
        if (n === 0) first = performance.now();
        n += chunk.length;
      },
      onTextChunk: (s) => void (text += s.length),
    });
    c.dispose({ disposeSequence: false });
    return n > 1 ? (performance.now() - first) / (n - 1) : NaN;
  };
  /** llama.cpp's eval timer over one evaluate() run: ms per decode as llama_decode sees it. */
  const llamaEval = async () => {
    await context.printTimings(); // resets nothing, so diff two prints
    evalLines = [];
    await evaluate();
    await context.printTimings();
    const line = evalLines.find((l) => /\beval time/.test(l) && !/prompt/.test(l));
    const msPerToken = line ? /([\d.]+) ms per token/.exec(line)?.[1] : undefined;
    return msPerToken ? Number(msPerToken) : NaN;
  };
  const prebuilt = prebuiltLlamaBench();
  const benches: Array<[string, string, string]> = [];
  if (prebuilt) benches.push(['llama-bench (prebuilt libs, same variant)', prebuilt.bin, prebuilt.cwd]);
  const tools = cachedLlamaTools();
  if (tools) benches.push(['llama-bench (llama-tools static, AVX2)', tools.bench, process.cwd()]);
  const llamaBench = async (bin: string, cwd: string) => {
    const { stdout } = await promisify(execFile)(bin, ['-m', model!, '-p', '0', '-n', String(tg), '-t', String(threads), '-r', '3', '-ngl', '0', '-o', 'json'], { maxBuffer: 1 << 24, cwd });
    const rows = JSON.parse(stdout) as Array<{ avg_ts: number }>;
    return 1000 / rows[0]!.avg_ts;
  };

  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number) => (rows[k] ??= []).push(v);
  await raw(true);
  await evaluate();
  for (let r = 0; r < rounds; r++) {
    add('llama eval (llama.cpp timer)', await llamaEval());
    add('addon decode (+ AsyncWorker hop)', await raw(false));
    add('addon decode + sampleToken', await raw(true));
    add('sequence.evaluate (public loop)', await evaluate());
    add('LlamaCompletion + onTextChunk', await completion());
    for (const [name, bin, cwd] of benches) add(name, await llamaBench(bin, cwd));
  }
  for (const [k, v] of Object.entries(rows)) {
    const best = Math.min(...v.filter((x) => Number.isFinite(x)));
    console.log(`${k.padEnd(60)} ${best.toFixed(3)} ms/token  (${(1000 / best).toFixed(1)} tokens/s)  rounds ${v.map((x) => x.toFixed(3)).join(' ')}`);
  }
  sampler.dispose();
  await context.dispose();
  await m.dispose();
  await llama.dispose();
}

interface AddonCtx {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(batchLogitIndex: number, sampler: AddonSampler): Promise<number>;
  removeTokenCellsFromSequence(sequenceId: number, startPos: number, endPos: number): boolean;
}
interface AddonSampler {
  applyConfig(config: { temperature?: number }): void;
  dispose(): void;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
