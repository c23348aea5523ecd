import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFamilyFixtures, MATRIX_FAMILIES, trainerOracle, type ChatMessage, type MatrixFamily } from '../../../tests/support/family-fixtures.js';
import type { ExportSummary, ModelSummary, RunSummary } from '../../shared/contract/index.js';
import { chat } from '../../inference/chat-once.js';
import { LlamaRuntime } from '../../inference/llama-runtime.js';
import { Engine } from '../engine.js';
import { finished, waitForRun } from '../training/training-test-kit.js';
import { readGgufHeader } from './gguf-header.js';
import type { GgufVerification } from './gguf-verify.js';
import { ensureLlamaTools, LLAMA_TOOLS_HOOK_TIMEOUT_MS } from './llama-tools.js';

/**
 * Real model families end to end, on CPU: for Llama 3, Qwen2, Qwen3, Mistral, Gemma 2, Gemma 3 and Phi-3 — tiny
 * random-weight models with each family's real architecture, chat template and special tokens, and a tokenizer
 * llama.cpp's converter accepts (the real Llama 3 / Qwen tokenizers; a local sentencepiece model for the others,
 * tests/support/family-fixtures.ts) — saved in bf16:
 *   import a chat dataset with system messages → SFT LoRA through the engine (runs.start) → exports.create with
 *   merged bf16 (fp32 too for one family) + GGUF F16 (and Q8_0/Q4_K_M for two families), every artefact verified
 *   (merged against base+adapter; each GGUF by next-token KL in llama.cpp against the merged model) → chat with the exported GGUF
 *   through the inference host → the ids the chat path feeds llama.cpp for a conversation with a system message
 *   equal apply_chat_template of that conversation as the trainer sees it (after the family's system merge), and
 *   the ids the trainer trained on for it start with exactly those ids, its last reply trained right after them.
 */
const SYSTEM = 'You are the Northwind Grid operations assistant. Answer briefly.';
const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: 'Who inspects the substations?' },
  { role: 'assistant', content: 'Field crews inspect every substation once a month.' },
  { role: 'user', content: 'What does a recloser do on line 42?' },
  { role: 'assistant', content: 'It closes the breaker again after a brief fault.' },
];

interface Case { name: MatrixFamily; fp32: boolean; quants: boolean }
// One family also exports its merged weights in fp32 (and a GGUF made from them): the cheap one, vocabulary 1k.
// The conversion to GGUF is what differs by family (tensor names, tokenizer, metadata), so every family is converted
// and checked at F16. Quantising is llama-quantize's per-tensor work after that: two families whose tensors it treats
// differently (Gemma 3's tied embeddings and norms, Phi-3's fused QKV) also go through Q8_0 and Q4_K_M, and the tiny
// Llama does in adapter-pipeline.test.ts. Every family through every quant cost CI ten minutes for no more coverage.
const QUANTISED: MatrixFamily[] = ['gemma3', 'phi3'];
const CASES: Case[] = MATRIX_FAMILIES.map((name) => ({ name, fp32: name === 'mistral', quants: QUANTISED.includes(name) }));

let engine: Engine;
let root: string;
let fixtures: Record<string, string | null>;
let versionId: string;
const runtime = new LlamaRuntime(); // in this process: the chat path itself, to read the ids it fed llama.cpp
const started = Date.now();
const summary: string[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-families-'));
  const t = Date.now();
  fixtures = await buildFamilyFixtures(path.join(root, 'families'), MATRIX_FAMILIES);
  process.stderr.write(`[families] fixtures built in ${Date.now() - t} ms: ${Object.entries(fixtures).map(([k, v]) => `${k}${v ? '' : ' (unavailable)'}`).join(', ')}\n`);
  engine = Engine.open({ dataDir: path.join(root, 'data'), mode: 'test' });
  // A small subset of the bundled Northwind sample (every example has a system message) plus the multi-turn
  // conversation the parity checks use.
  const sample = fs.readFileSync(path.resolve('resources/samples/northwind-qa.jsonl'), 'utf8').trim().split('\n').slice(0, 5);
  const data = path.join(root, 'northwind-subset.jsonl');
  fs.writeFileSync(data, [...sample, JSON.stringify({ messages: CONVERSATION })].join('\n') + '\n');
  versionId = (await engine.call('datasets.import', { path: data, datasetName: 'northwind subset' })).versionId;
  await ensureLlamaTools({ onLog: (l) => /^(Waiting|Building llama)/.test(l) && process.stderr.write(`[families] ${l}\n`) });
}, LLAMA_TOOLS_HOOK_TIMEOUT_MS + 300_000);

afterAll(async () => {
  await runtime.dispose();
  await engine?.dispose();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  process.stderr.write(`\n[families] summary (${((Date.now() - started) / 1000).toFixed(0)} s for the matrix)\n${summary.join('\n')}\n`);
});

describe.each(CASES)('$name: bf16 base → LoRA → verified export → chat', ({ name, fp32, quants }) => {
  let run: RunSummary;
  let base: ModelSummary;
  let adapter: ModelSummary;
  let exp: ExportSummary;
  const t0 = { at: 0 };
  const dir = () => fixtures[name] ?? null;

  it('trains an SFT LoRA through the engine from the bf16 base', async (ctx) => {
    if (!dir()) return ctx.skip();
    t0.at = Date.now();
    expect(JSON.parse(fs.readFileSync(path.join(dir()!, 'config.json'), 'utf8')).dtype).toBe('bfloat16');
    const startedRun = await engine.call('runs.start', {
      baseModelDir: dir()!, datasetVersionId: versionId, maxSteps: 3, lr: 1e-3, loraRank: 4, maxSeqLen: 256,
      microBatchSize: 2, gradAccum: 1, checkpointEvery: 0, device: 'cpu',
    });
    run = await waitForRun(engine, startedRun.id, finished, 400_000);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    base = (await engine.call('models.import', { path: dir()!, name: `${name} base` })).model;
    adapter = (await engine.call('models.import', { path: path.join(run.outputDir, 'adapter'), name: `${name} adapter`, parentId: base.id, runId: run.id })).model;
    expect(adapter).toMatchObject({ kind: 'adapter', format: 'peft', parentId: base.id });
  }, 600_000);

  it(`exports merged bf16 + GGUF ${quants ? 'F16/Q8_0/Q4_K_M' : 'F16'}, every artefact verified against its source`, async (ctx) => {
    if (!adapter) return ctx.skip();
    // A name without the family in it: what the GGUF is called must not change how llama.cpp tokenises (Phi-3).
    const ggufs = quants ? ['gguf-f16', 'gguf-q8_0', 'gguf-q4_k_m'] as const : ['gguf-f16'] as const;
    exp = await engine.call('exports.create', { modelId: adapter.id, name: `Northwind ${MATRIX_FAMILIES.indexOf(name)}`, formats: ['merged', ...ggufs], mergedDtype: 'bfloat16' });
    expect(exp.error).toBeNull();
    expect(exp.status).toBe('draft');
    const merged = exp.verification.merged as { dtype: string; passed: boolean; maxAbsDiff: number; tolerance: number };
    expect(merged).toMatchObject({ dtype: 'bfloat16', passed: true });
    expect(JSON.parse(fs.readFileSync(path.join(exp.path, 'merged', 'config.json'), 'utf8')).dtype).toBe('bfloat16');
    const checks = exp.verification.gguf as Record<string, GgufVerification>;
    expect(Object.values(checks).map((c) => c.quant).sort()).toEqual(quants ? ['F16', 'Q4_K_M', 'Q8_0'] : ['F16']);
    const kls: string[] = [];
    for (const [file, c] of Object.entries(checks)) {
      process.stderr.write(`[families] ${name} ${c.quant}: mean KL ${c.logits.meanKl.toExponential(2)} (max ${c.logits.maxKl.toExponential(2)}, tolerance ${c.logits.tolerance.meanKl}), top-1 ${c.logits.top1Agreement ?? 'n/a'} of ${c.logits.decisivePositions}, tokenizer ${c.tokenizer.identical ? 'identical' : 'DIFFERS'}\n`);
      kls.push(`${c.quant} ${c.logits.meanKl.toExponential(2)}`);
      expect(c.logits.passed, file).toBe(true);
      expect(c.logits.meanKl).toBeLessThanOrEqual(c.logits.tolerance.meanKl);
      expect(c.logits.positions).toBeGreaterThan(10);
      expect(c.metadata.passed).toBe(true);
      expect(c.tokenizer.identical, `${file}: llama.cpp tokenises the reference prompt as the source does`).toBe(true);
      expect(readGgufHeader(path.join(exp.path, file)).metadata.get('general.architecture')).toBeTruthy();
    }
    if (name === 'phi3') expect(String(readGgufHeader(path.join(exp.path, Object.keys(checks)[0]!)).metadata.get('general.name'))).toMatch(/Phi-3/);
    summary.push(`${name.padEnd(8)} merged bf16 max|Δ| ${merged.maxAbsDiff.toExponential(1)} · GGUF KL ${kls.sort().join(', ')}`);
  }, 900_000);

  if (fp32) it('exports merged fp32 (and a GGUF F16 from it), verified', async (ctx) => {
    if (!adapter) return ctx.skip();
    const full = await engine.call('exports.create', { modelId: adapter.id, name: `Northwind fp32 ${name}`, formats: ['merged', 'gguf-f16'], mergedDtype: 'float32' });
    expect(full.error).toBeNull();
    const merged = full.verification.merged as { dtype: string; passed: boolean; maxAbsDiff: number; tolerance: number };
    expect(merged).toMatchObject({ dtype: 'float32', passed: true });
    expect(merged.maxAbsDiff).toBeLessThan(merged.tolerance);
    expect(JSON.parse(fs.readFileSync(path.join(full.path, 'merged', 'config.json'), 'utf8')).dtype).toBe('float32');
    const [check] = Object.values(full.verification.gguf as Record<string, GgufVerification>);
    expect(check!.logits.passed).toBe(true);
    process.stderr.write(`[families] ${name} fp32 merge: max|Δ| ${merged.maxAbsDiff.toExponential(2)}; F16 from it: mean KL ${check!.logits.meanKl.toExponential(2)}\n`);
    summary.push(`${name.padEnd(8)} merged fp32 max|Δ| ${merged.maxAbsDiff.toExponential(1)} · GGUF F16 KL ${check!.logits.meanKl.toExponential(2)}`);
  }, 600_000);

  it('chats with the exported GGUF through the inference host; llama.cpp is fed apply_chat_template’s ids, which the trainer trained on', async (ctx) => {
    if (!exp) return ctx.skip();
    const gguf = path.join(exp.path, exp.files.find((f) => f.quant === (quants ? 'Q8_0' : 'F16'))!.path);
    const system = CONVERSATION[0]!.content;
    const history = CONVERSATION.slice(1, 3) as Array<{ role: 'user' | 'assistant'; content: string }>;
    const prompt = CONVERSATION[3]!.content;
    // The trainer's side: its own encoding of the conversation as the run trained on it, and apply_chat_template of
    // the prompt for the last reply (the family's system merge applied) in the exported merged folder.
    const oracle = await trainerOracle({ family: name, runDir: run.outputDir, hfDir: path.join(exp.path, 'merged'), conversation: CONVERSATION });
    const expected = oracle.promptIds;
    // 1. Through the inference host, as the playground and evals chat.
    const answer = await engine.ctx.inference.client().send('inference.chat', {
      requestId: `family-${name}`, modelPath: gguf, system, history, prompt, maxTokens: 8, temperature: 0, seed: 0,
    });
    expect(['eogToken', 'maxTokens', 'stopGenerationTrigger']).toContain(answer.stopReason);
    // Its count of prompt tokens is the context less the tokens it reported (the last one may not be evaluated yet,
    // and tokens held back as a possible stop trigger are not reported), so it is the prompt's length give or take those.
    expect(answer.promptTokens).toBeGreaterThanOrEqual(expected.length - 1);
    expect(answer.promptTokens).toBeLessThanOrEqual(expected.length + 8);
    // 2. The same chat path in this process, to read the ids it evaluated: exactly apply_chat_template's.
    const fed = await chat(runtime, { modelPath: gguf, system, history, prompt, maxTokens: 1, temperature: 0, seed: 0 }, () => undefined);
    const ctxIds = await runtime.withSlot(gguf, [], {}, async (slot) => [...slot.sequence.contextTokens].map(Number));
    expect(ctxIds.slice(0, expected.length)).toEqual(expected);
    expect(ctxIds.length - expected.length).toBeLessThanOrEqual(fed.tokens);
    // 3. The trainer trained on exactly that prompt, and on the last reply right after it.
    expect(oracle.trainedIds.slice(0, expected.length)).toEqual(expected);
    // What the model writes after that prompt is trained: the reply and its end of turn, and nothing after it. In
    // between stands only what the template itself writes before a reply, which the trainer leaves untrained:
    // Mistral's " " (a lone "▁" piece), Qwen3's empty <think></think> block of the last turn.
    expect(oracle.trainedRun).toBe(CONVERSATION[4]!.content + oracle.endOfTurn);
    expect(oracle.trainedAfterRun).toBe(false);
    if (name === 'mistral') expect(oracle.gapPieces.every((p) => /^▁+$/.test(p))).toBe(true);
    else expect(oracle.gap).toBe(name === 'qwen3' ? '<think>\n\n</think>\n\n' : '');
    const notes = { gemma2: ['system message merged into the first user turn'], mistral: ['system message merged into the last user turn'] } as Record<string, string[]>;
    expect(oracle.notes.map((n) => n.split(' (')[0])).toEqual(notes[name] ?? []);
    expect(oracle.promptText).toContain(SYSTEM);
    process.stderr.write(`[families] ${name}: ${expected.length} prompt ids identical (host answered ${answer.tokens} tokens, ${answer.stopReason}); ${((Date.now() - t0.at) / 1000).toFixed(0)} s for the family\n`);
    summary.push(`${name.padEnd(8)} chat: ${expected.length} prompt ids = apply_chat_template = trainer's; ${((Date.now() - t0.at) / 1000).toFixed(0)} s`);
  }, 300_000);
});
