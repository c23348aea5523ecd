/**
 * Builds, or finds in the cache, what the unit, trainer, e2e and bundle stages of `npm test` all use: the tiny model
 * (pre-trained on CPU, ~3 min cold) and llama-quantize / llama-bench (built from llama.cpp's source, ~6 min cold on
 * 2 cores). `npm test` runs this once, in its own lane, so no two stages build one cache; it prints
 * "[caches] tiny model …" as soon as the tiny model is ready, which starts the stages that need only that. Both builds
 * run side by side; a warm cache makes this take a second.
 */
import { ensureLlamaTools } from '../src/engine/models/llama-tools.js';
import { llamaSource } from '../src/engine/models/llama-source.js';
import { ensureTinyModel } from '../src/engine/models/tiny-model.js';

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

llamaSource(); // unpacked once here, before the two builds below both need it
const [model, tools] = await Promise.all([
  ensureTinyModel({ seed: Number(process.env.LATHE_TEST_TINY_SEED ?? 0) }).then((m) => {
    process.stdout.write(`[caches] tiny model ${m.cached ? 'reused' : 'built'} (${seconds()}): ${m.ggufPath}\n`);
    return m;
  }),
  ensureLlamaTools({ onLog: (line) => /^(Waiting|Building llama)/.test(line) && process.stdout.write(`[caches] ${line}\n`) }).then((t) => {
    process.stdout.write(`[caches] llama tools ready (${seconds()}): ${t.quantize}\n`);
    return t;
  }),
]);
process.stdout.write(`[caches] ready in ${seconds()}: ${model.dir}, ${tools.quantize}\n`);
