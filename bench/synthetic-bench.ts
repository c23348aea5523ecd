/**
 * Synthetic generation benchmark (issue 7). Generates QA examples from the chunks of a bundled sample document with
 * the teacher's JSON-schema grammar, twice in one run on the same model, prompts and seeds:
 *   single  — one sequence, chunk after chunk (what `inference.chat` does),
 *   batched — `inference.chatBatch`: N parallel sequences of one context, decoded together.
 * Prints examples/min and teacher tokens/s of each, and the batched/single ratio.
 *
 *   npx tsx bench/synthetic-bench.ts [model.gguf | tiny] [--chunks 16] [--parallel 4] [--max-tokens 96] [--rounds 2] [--no-grammar]
 *
 * Goal: batched >= 2x single on CPU with the tiny model where memory allows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chunkText } from '../src/engine/datasets/documents/chunking.js';
import { wordCounter } from '../src/engine/datasets/documents/tokenizer.js';
import { ensureTinyModel } from '../src/engine/models/tiny-model.js';
import { renderPrompt, resolveTemplate, schemaWithin, toExample } from '../src/engine/synthetic/templates.js';
import { chatBatch } from '../src/inference/chat-batch.js';
import { chat } from '../src/inference/chat-once.js';
import { LlamaRuntime } from '../src/inference/llama-runtime.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'no-grammar': { type: 'boolean', default: false }, chunks: { type: 'string', default: '16' }, parallel: { type: 'string', default: '4' }, 'max-tokens': { type: 'string', default: '96' }, rounds: { type: 'string', default: '2' } },
});
const chunkCount = Number(values.chunks);
const parallel = Number(values.parallel);
const maxTokens = Number(values['max-tokens']);
const rounds = Number(values.rounds);
const modelPath = positionals[0] && positionals[0] !== 'tiny' ? path.resolve(positionals[0]) : (await ensureTinyModel({ seed: 0 })).ggufPath;

const text = fs.readFileSync(path.resolve('resources/samples/corpus/northwind-05-lockout-tagout.txt'), 'utf8');
const chunks = [...chunkText(text, null, { size: 60, overlap: 6 }, wordCounter)].slice(0, chunkCount).map((c) => c.text);
const template = resolveTemplate({ kind: 'qa' });
const jsonSchema = schemaWithin(template, maxTokens);
const items = chunks.map((c, i) => ({ system: template.system, prompt: renderPrompt(template, c), seed: 7 + i }));
const sampling = { maxTokens, temperature: 0.8, ...(values['no-grammar'] ? {} : { jsonSchema }) };

interface Pass { seconds: number; tokens: number; parsed: number }

const runtime = new LlamaRuntime();

async function single(): Promise<Pass> {
  const t0 = performance.now();
  let tokens = 0;
  let parsed = 0;
  for (const [i, it] of items.entries()) {
    const r = await chat(runtime, { modelPath, ...it, ...sampling, history: [] }, () => undefined);
    tokens += r.tokens;
    parsed += parses(r.text, chunks[i]!);
  }
  return { seconds: (performance.now() - t0) / 1000, tokens, parsed };
}

async function batched(): Promise<Pass> {
  const t0 = performance.now();
  const results = await chatBatch(runtime, { modelPath, items, parallel, sequenceTokens: 1024, ...sampling });
  return { seconds: (performance.now() - t0) / 1000, tokens: results.reduce((n, r) => n + r.tokens, 0), parsed: results.reduce((n, r, i) => n + parses(r.text, chunks[i]!), 0) };
}

function parses(raw: string, chunk: string): number {
  try {
    toExample(template, chunk, raw);
    return 1;
  } catch {
    return 0;
  }
}

const rate = (p: Pass) => ({ examplesPerMin: (p.parsed * 60) / p.seconds, tokensPerSecond: p.tokens / p.seconds });
await single(); // warm-up: load the model and the grammar once, outside the timings
const best = { single: null as Pass | null, batched: null as Pass | null };
for (let r = 0; r < rounds; r++) {
  // Alternate so a busy machine slows both alike; keep each mode's best round.
  const s = await single();
  const b = await batched();
  if (!best.single || s.seconds < best.single.seconds) best.single = s;
  if (!best.batched || b.seconds < best.batched.seconds) best.batched = b;
}
const s = rate(best.single!);
const b = rate(best.batched!);
console.log(`model ${path.basename(modelPath)} · ${items.length} chunks · max ${maxTokens} tokens · parallel ${parallel}`);
console.log(`single   ${best.single!.parsed}/${items.length} parsed · ${s.examplesPerMin.toFixed(1)} examples/min · ${s.tokensPerSecond.toFixed(1)} tokens/s · ${best.single!.seconds.toFixed(2)} s`);
console.log(`batched  ${best.batched!.parsed}/${items.length} parsed · ${b.examplesPerMin.toFixed(1)} examples/min · ${b.tokensPerSecond.toFixed(1)} tokens/s · ${best.batched!.seconds.toFixed(2)} s`);
console.log(`ratio batched/single: examples/min ${(b.examplesPerMin / s.examplesPerMin).toFixed(2)}x · tokens/s ${(b.tokensPerSecond / s.tokensPerSecond).toFixed(2)}x (goal >= 2x)`);
await runtime.dispose();
