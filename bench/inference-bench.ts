/**
 * Inference benchmark (issue: models & playground). Prompt processing ("pp N") and generation ("tg N") tokens/s
 * through our inference host (forked child, node-llama-cpp, the same slot code a chat uses) vs llama.cpp's own
 * `llama-bench`, built from the source node-llama-cpp ships (ensureLlamaTools), on the same GGUF, threads and
 * context, in the same run. Rounds alternate the two so a busy machine slows both alike; the best round counts.
 *
 *   npx tsx bench/inference-bench.ts [model.gguf | tiny | medium | medium-q8] [--pp 128] [--tg 64] [--threads N] [--reps 3] [--rounds 2]
 *
 * "tiny" (default) is the 2-layer test model: its tokens cost microseconds, so per-call overhead dominates and the
 * ratio says little. "medium" builds (once, ~15 s, cached) an 85M-parameter random Llama as F16 GGUF with
 * bench/make-bench-model.py, where compute dominates as it does for real models; "medium-q8" is it quantized to
 * Q8_0 with llama-quantize.
 *
 * Goals: generation >= 0.95 of llama-bench, prompt processing >= 0.90.
 *
 * Known gap, measured 2026-11-28 (do not chase it in our host): F16 prompt processing runs at ~0.45 of llama-bench.
 * The same llama-bench source linked against node-llama-cpp 3.21.1's prebuilt libggml-cpu (zen4 and haswell
 * variants alike) shows the same 0.45, with no Node involved: in the prebuilt tinyBLAS F16 kernel
 * (gemm_bloc<4,3>) the 12 accumulators are stored to the stack on every loop pass (prebuilt built with GCC 11.4;
 * our local GCC 12.2 build keeps them in registers). Q8_0 and K-quants use other kernels and pass (pp 1.31).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ForkedInferenceHost } from '../src/engine/inference/inference-process.js';
import { ensureLlamaTools } from '../src/engine/models/llama-tools.js';
import { ensureTinyModel } from '../src/engine/models/tiny-model.js';
import { cacheDir } from '../src/engine/paths.js';
import { inferenceThreads } from '../src/inference/llama-runtime.js';

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

interface Speeds { pp: number; tg: number }

async function llamaBench(bin: string, model: string, gpuLayers: number): Promise<Speeds> {
  const args = ['-m', model, '-p', String(pp), '-n', String(tg), '-t', String(threads), '-r', String(reps), '-ngl', String(gpuLayers), '-o', 'json'];
  const { stdout } = await promisify(execFile)(bin, args, { maxBuffer: 16 * 1024 * 1024 });
  const rows = JSON.parse(stdout) as Array<{ n_prompt: number; n_gen: number; avg_ts: number }>;
  return { pp: rows.find((r) => r.n_prompt > 0)!.avg_ts, tg: rows.find((r) => r.n_gen > 0)!.avg_ts };
}

async function ours(host: ForkedInferenceHost, model: string): Promise<Speeds> {
  const r = await host.client().send('inference.bench', { modelPath: model, promptTokens: pp, genTokens: tg, repetitions: reps, threads, contextSize });
  return { pp: r.ppTokensPerSecond, tg: r.tgTokensPerSecond };
}

async function main(): Promise<void> {
  const which = positionals[0] ?? 'tiny';
  const tiny = (await ensureTinyModel({ seed: 0 })).ggufPath;
  const started = Date.now();
  const tools = await ensureLlamaTools({ onLog: (l) => process.stderr.write(`[llama-tools] ${l}\n`) });
  const model = which === 'tiny' ? tiny : which === 'medium' ? mediumModel(tiny) : which === 'medium-q8' ? quantized(mediumModel(tiny), tools.quantize) : which;
  if (!fs.existsSync(model)) throw new Error(`no such GGUF: ${model}`);
  if (Date.now() - started > 5000) console.log(`built llama-bench in ${((Date.now() - started) / 1000).toFixed(0)} s (cached from now on)`);
  // llama-bench here is a CPU build (GGML_NATIVE=OFF, see llama-tools.ts): run our host on CPU too, like with like.
  process.env.LATHE_LLAMA_GPU = 'cpu';
  const host = new ForkedInferenceHost();
  try {
    const probe = await host.client().send('inference.probe', {});
    const gpuLayers = 0;
    console.log(`model ${model} · threads ${threads} · context ${contextSize} · pp ${pp} · tg ${tg} · ${reps} reps × ${rounds} rounds · backend ${probe.backend}`);
    const best = { ours: { pp: 0, tg: 0 }, ref: { pp: 0, tg: 0 } };
    for (let i = 0; i < rounds; i++) {
      const ref = await llamaBench(tools.bench, model, gpuLayers);
      const mine = await ours(host, model);
      console.log(`round ${i + 1}: llama-bench pp ${ref.pp.toFixed(0)} tg ${ref.tg.toFixed(0)} · lathe pp ${mine.pp.toFixed(0)} tg ${mine.tg.toFixed(0)} tokens/s`);
      best.ref = { pp: Math.max(best.ref.pp, ref.pp), tg: Math.max(best.ref.tg, ref.tg) };
      best.ours = { pp: Math.max(best.ours.pp, mine.pp), tg: Math.max(best.ours.tg, mine.tg) };
    }
    const ppRatio = best.ours.pp / best.ref.pp;
    const tgRatio = best.ours.tg / best.ref.tg;
    console.log(`prompt processing  lathe ${best.ours.pp.toFixed(0)} vs llama-bench ${best.ref.pp.toFixed(0)} tokens/s  ratio ${ppRatio.toFixed(3)} (goal >= 0.90) ${ppRatio >= 0.9 ? 'PASS' : 'FAIL'}`);
    console.log(`generation         lathe ${best.ours.tg.toFixed(0)} vs llama-bench ${best.ref.tg.toFixed(0)} tokens/s  ratio ${tgRatio.toFixed(3)} (goal >= 0.95) ${tgRatio >= 0.95 ? 'PASS' : 'FAIL'}`);
  } finally {
    await host.dispose();
  }
}

/** The 85M-parameter bench model, built once with the project's Python and llama.cpp's converter. */
function mediumModel(tinyGguf: string): string {
  const out = path.join(cacheDir(), 'bench-model', 'bench-85m-f16.gguf');
  if (fs.existsSync(out)) return out;
  const llamaCache = path.join(cacheDir(), 'llama.cpp');
  const source = fs.readdirSync(llamaCache).map((d) => path.join(llamaCache, d)).find((d) => fs.existsSync(path.join(d, 'convert_hf_to_gguf.py')));
  if (!source) throw new Error(`no llama.cpp source under ${llamaCache}: run the unit tests or \`npm run demo\` once`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  console.log('building the 85M bench model (once)…');
  execFileSync(path.resolve('.venv/bin/python'), [path.resolve('bench/make-bench-model.py'), path.join(path.dirname(tinyGguf), 'hf'), source, out], { stdio: ['ignore', 'ignore', 'inherit'] });
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
