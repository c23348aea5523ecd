/**
 * Inference benchmark (issue: models & playground). Prompt processing ("pp N") and generation ("tg N") tokens/s
 * through our inference host (forked child, node-llama-cpp, the same slot code a chat uses) vs llama.cpp's own
 * `llama-bench`, built from the source node-llama-cpp ships (ensureLlamaTools), on the same GGUF, threads and
 * context, in the same run. Rounds alternate the two so a busy machine slows both alike; the best round counts.
 *
 *   npx tsx bench/inference-bench.ts [model.gguf | tiny | medium | medium-q8 | large | large-q8] [--pp 128] [--tg 64] [--threads N] [--reps 3] [--rounds 2]
 *
 * "tiny" (default) is the 2-layer test model: its tokens cost microseconds, so per-call overhead dominates and the
 * ratio says little. "medium" builds (once, ~15 s, cached) an 85M-parameter random Llama as F16 GGUF with
 * bench/make-bench-model.py, where compute dominates as it does for real models; "medium-q8" is it quantized to
 * Q8_0 with llama-quantize.
 *
 * "large" is a ~300M-parameter model of the same kind (308 MiB as Q8_0), where a token costs what it does in a
 * small real model. The reference is llama-bench linked against node-llama-cpp's own prebuilt libraries
 * (prebuilt-llama-bench.ts), so both load the same libggml-cpu variant; the llama-tools build (GGML_NATIVE=OFF,
 * AVX2, no AVX-512) is printed too, and is like with like only where node-llama-cpp picks its haswell variant.
 * The CPU model and flags, the variant our host loaded and llama.cpp's system info are printed first.
 *
 * Goals: generation >= 0.95 of llama-bench, prompt processing >= 0.90.
 *
 * Per-token breakdown, measured 2026-12-02 on an Intel Xeon (Sapphire Rapids class, AVX-512 + AMX, 2 cores
 * shared with other work, 1 thread), 85M Q8_0, tg 64, best of 3 rounds (bench/tg-overhead.ts):
 *   llama-bench, prebuilt libs (sapphirerapids)      3.715 ms   (llama-tools AVX2 build: 9.13 ms; node-llama-cpp
 *                                                              picks sapphirerapids here, so the old comparison
 *                                                              read lathe at 2.0x llama-bench: not like with like)
 *   llama_decode inside node (llama.cpp's timer)     3.93 ms    decode in node-llama-cpp's AsyncWorker, ~+0.1-0.2
 *   addon decode loop (decode + AsyncWorker hop)     3.81-3.91 ms
 *   + native sampleToken (greedy)                    +0 within noise (3.81 ms)
 *   sequence.evaluate, node-llama-cpp's JS loop      4.08 ms    +0.27 ms: locks, sampler config, batch queue (upstream)
 *   LlamaCompletion + onTextChunk (detokenising)     4.31 ms    +0.23 ms (upstream)
 *   our host: one IPC event per token                now coalesced (token-stream.ts: first token at once, then
 *                                                    every 16 ms), so ~60 events/s instead of one per token
 * inference-bench medium-q8, same day: pp 1.03, tg 0.875 (231.5 vs 264.6 tokens/s; +0.54 ms/token), chat path
 * 0.855. large-q8: pp 0.99, tg 0.906 (39.5 vs 43.5; +2.4 ms of 23 ms), so the remaining gap grows with the model
 * (native decode inside Node, not per-call JS); rounds vary by ~10 % on this shared machine.
 *
 * Known gap, measured 2026-11-28 (do not chase it in our host): F16 prompt processing runs at ~0.45 of llama-bench.
 * The same llama-bench source linked against node-llama-cpp 3.21.1's prebuilt libggml-cpu (zen4 and haswell
 * variants alike) shows the same 0.45, with no Node involved: in the prebuilt tinyBLAS F16 kernel
 * (gemm_bloc<4,3>) the 12 accumulators are stored to the stack on every loop pass (prebuilt built with GCC 11.4;
 * our local GCC 12.2 build keeps them in registers). Q8_0 and K-quants use other kernels and pass (pp 1.31).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ForkedInferenceHost } from '../src/engine/inference/inference-process.js';
import { ensureLlamaTools } from '../src/engine/models/llama-tools.js';
import { ensureTinyModel } from '../src/engine/models/tiny-model.js';
import { cacheDir } from '../src/engine/paths.js';
import { inferenceThreads } from '../src/inference/llama-runtime.js';
import { prebuiltLlamaBench } from './prebuilt-llama-bench.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { pp: { type: 'string', default: '128' }, tg: { type: 'string', default: '64' }, threads: { type: 'string' }, reps: { type: 'string', default: '3' }, rounds: { type: 'string', default: '2' } },
});
const pp = Number(values.pp);
const tg = Number(values.tg);
const reps = Number(values.reps);
const rounds = Number(values.rounds);
const threads = values.threads ? Number(values.threads) : inferenceThreads();
const contextSize = Math.max(256, 2 ** Math.ceil(Math.log2(pp + tg + 16)));

interface Speeds { pp: number; tg: number; chat?: number }

async function llamaBench(bin: string, model: string, gpuLayers: number, cwd = process.cwd()): Promise<Speeds> {
  const args = ['-m', model, '-p', String(pp), '-n', String(tg), '-t', String(threads), '-r', String(reps), '-ngl', String(gpuLayers), '-o', 'json'];
  const { stdout } = await promisify(execFile)(bin, args, { maxBuffer: 16 * 1024 * 1024, cwd });
  const rows = JSON.parse(stdout) as Array<{ n_prompt: number; n_gen: number; avg_ts: number }>;
  return { pp: rows.find((r) => r.n_prompt > 0)!.avg_ts, tg: rows.find((r) => r.n_gen > 0)!.avg_ts };
}

let hostSystem = { cpuVariant: '?', systemInfo: '?' };
async function ours(host: ForkedInferenceHost, model: string): Promise<Speeds> {
  const r = await host.client().send('inference.bench', { modelPath: model, promptTokens: pp, genTokens: tg, repetitions: reps, threads, contextSize });
  hostSystem = { cpuVariant: r.cpuVariant, systemInfo: r.systemInfo };
  return { pp: r.ppTokensPerSecond, tg: r.tgTokensPerSecond, chat: r.chatTgTokensPerSecond };
}

/** CPU model and the instruction-set flags that decide ggml's kernels. */
function cpuLine(): string {
  let flags: string[] = [];
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const all = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/));
    flags = ['avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx512_bf16', 'avx_vnni', 'amx_int8', 'amx_bf16'].filter((f) => all.has(f));
  } catch {
    // not Linux: the model name only
  }
  return `cpu ${os.cpus()[0]?.model ?? '?'} · ${os.availableParallelism()} cores${flags.length ? ` · flags ${flags.join(' ')}` : ''}`;
}

async function main(): Promise<void> {
  const which = positionals[0] ?? 'tiny';
  const tiny = (await ensureTinyModel({ seed: 0 })).ggufPath;
  const started = Date.now();
  const tools = await ensureLlamaTools({ onLog: (l) => process.stderr.write(`[llama-tools] ${l}\n`) });
  const named: Record<string, () => string> = {
    tiny: () => tiny,
    medium: () => benchModel(tiny, 'medium'),
    'medium-q8': () => quantized(benchModel(tiny, 'medium'), tools.quantize),
    large: () => benchModel(tiny, 'large'),
    'large-q8': () => quantized(benchModel(tiny, 'large'), tools.quantize),
  };
  const model = named[which]?.() ?? which;
  if (!fs.existsSync(model)) throw new Error(`no such GGUF: ${model}`);
  if (Date.now() - started > 5000) console.log(`built llama-bench in ${((Date.now() - started) / 1000).toFixed(0)} s (cached from now on)`);
  // Like with like: llama-bench linked against node-llama-cpp's own prebuilt libraries picks the same libggml-cpu
  // variant as our host. The llama-tools build (GGML_NATIVE=OFF: SSE4.2 AVX AVX2 FMA F16C BMI2, no AVX-512) is only
  // like with like where node-llama-cpp picks its haswell variant (an AVX2-only CPU); it is printed as well.
  const prebuilt = prebuiltLlamaBench();
  // Both references are CPU builds here: run our host on CPU too.
  process.env.LATHE_LLAMA_GPU = 'cpu';
  const host = new ForkedInferenceHost();
  try {
    const probe = await host.client().send('inference.probe', {});
    const gpuLayers = 0;
    console.log(cpuLine());
    console.log(`model ${model} (${(fs.statSync(model).size / 2 ** 20).toFixed(0)} MiB) · threads ${threads} · context ${contextSize} · pp ${pp} · tg ${tg} · ${reps} reps × ${rounds} rounds · backend ${probe.backend}`);
    const best = { ours: { pp: 0, tg: 0, chat: 0 }, ref: { pp: 0, tg: 0 }, avx2: { pp: 0, tg: 0 } };
    const max = (a: Speeds, b: Speeds) => ({ pp: Math.max(a.pp, b.pp), tg: Math.max(a.tg, b.tg), chat: Math.max(a.chat ?? 0, b.chat ?? 0) });
    for (let i = 0; i < rounds; i++) {
      const ref = prebuilt ? await llamaBench(prebuilt.bin, model, gpuLayers, prebuilt.cwd) : null;
      const avx2 = await llamaBench(tools.bench, model, gpuLayers);
      const mine = await ours(host, model);
      if (i === 0) {
        console.log(`lathe host: node-llama-cpp libggml-cpu-${hostSystem.cpuVariant} · ${hostSystem.systemInfo}`);
        console.log(`llama-bench (prebuilt libs): ${prebuilt ? `same libraries, run from ${prebuilt.cwd}` : 'unavailable (not Linux x64, or no g++)'}`);
        console.log('llama-bench (llama-tools): static, GGML_NATIVE=OFF (SSE4.2 AVX AVX2 FMA F16C BMI2)');
      }
      console.log(`round ${i + 1}: llama-bench prebuilt-libs pp ${ref?.pp.toFixed(0) ?? '-'} tg ${ref?.tg.toFixed(1) ?? '-'} · llama-tools pp ${avx2.pp.toFixed(0)} tg ${avx2.tg.toFixed(1)} · lathe pp ${mine.pp.toFixed(0)} tg ${mine.tg.toFixed(1)} chat-tg ${mine.chat!.toFixed(1)} tokens/s`);
      if (ref) best.ref = max(best.ref, ref);
      best.avx2 = max(best.avx2, avx2);
      best.ours = max(best.ours, mine);
    }
    const ref = prebuilt ? best.ref : best.avx2;
    const refName = prebuilt ? 'llama-bench (prebuilt libs)' : 'llama-bench (llama-tools)';
    const ppRatio = best.ours.pp / ref.pp;
    const tgRatio = best.ours.tg / ref.tg;
    const ms = (tps: number) => (1000 / tps).toFixed(3);
    console.log(`prompt processing  lathe ${best.ours.pp.toFixed(0)} vs ${refName} ${ref.pp.toFixed(0)} tokens/s  ratio ${ppRatio.toFixed(3)} (goal >= 0.90) ${ppRatio >= 0.9 ? 'PASS' : 'FAIL'}`);
    console.log(`generation         lathe ${best.ours.tg.toFixed(1)} vs ${refName} ${ref.tg.toFixed(1)} tokens/s  ratio ${tgRatio.toFixed(3)} (goal >= 0.95) ${tgRatio >= 0.95 ? 'PASS' : 'FAIL'}`);
    console.log(`  vs llama-tools build (AVX2 only): pp ratio ${(best.ours.pp / best.avx2.pp).toFixed(3)}, tg ratio ${(best.ours.tg / best.avx2.tg).toFixed(3)}`);
    console.log('per generated token (best round):');
    console.log(`  ${refName.padEnd(40)} ${ms(ref.tg)} ms`);
    console.log(`  lathe tg: node-llama-cpp evaluate loop   ${ms(best.ours.tg)} ms  (+${(1000 / best.ours.tg - 1000 / ref.tg).toFixed(3)} ms)`);
    if (best.ours.chat > 0) console.log(`  lathe chat path (completion + stream)     ${ms(best.ours.chat)} ms  (+${(1000 / best.ours.chat - 1000 / ref.tg).toFixed(3)} ms)  ratio ${(best.ours.chat / ref.tg).toFixed(3)}`);
    else console.log('  lathe chat path (completion + stream)     n/a: this random model ends its answer at once');
    console.log('  (split of the evaluate-loop overhead into decode hop / sampling / JS: bench/tg-overhead.ts)');
  } finally {
    await host.dispose();
  }
}

/**
 * Random-weight Llama bench models with the tiny model's tokenizer, built once with the project's Python and
 * llama.cpp's converter: "medium" 85M parameters (163 MiB F16, 78 MiB Q8_0), "large" ~300M (hidden 1536,
 * 12 layers; ~580 MiB F16, ~310 MiB Q8_0), where a token costs as much as in a small real model.
 */
function benchModel(tinyGguf: string, size: 'medium' | 'large'): string {
  const out = path.join(cacheDir(), 'bench-model', size === 'medium' ? 'bench-85m-f16.gguf' : 'bench-300m-f16.gguf');
  if (fs.existsSync(out)) return out;
  const llamaCache = path.join(cacheDir(), 'llama.cpp');
  const source = fs.readdirSync(llamaCache).map((d) => path.join(llamaCache, d)).find((d) => fs.existsSync(path.join(d, 'convert_hf_to_gguf.py')));
  if (!source) throw new Error(`no llama.cpp source under ${llamaCache}: run the unit tests or \`npm run demo\` once`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  console.log(`building the ${size} bench model (once)…`);
  execFileSync(path.resolve('.venv/bin/python'), [path.resolve('bench/make-bench-model.py'), path.join(path.dirname(tinyGguf), 'hf'), source, out, size], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

function quantized(f16: string, quantize: string): string {
  const out = f16.replace(/-f16\.gguf$/, '-q8_0.gguf');
  if (!fs.existsSync(out)) execFileSync(quantize, [f16, `${out}.tmp`, 'Q8_0', '1'], { stdio: 'ignore' });
  if (!fs.existsSync(out)) fs.renameSync(`${out}.tmp`, out);
  return out;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
