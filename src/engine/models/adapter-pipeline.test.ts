import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ModelSummary } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { finished, waitForRun } from '../training/training-test-kit.js';
import type { GgufVerification } from './gguf-verify.js';
import { readGgufHeader } from './gguf-header.js';
import { llamaSource } from './llama-source.js';
import { ensureLlamaTools, LLAMA_TOOLS_HOOK_TIMEOUT_MS } from './llama-tools.js';

/**
 * The acceptance path of the registry: train a real LoRA adapter on the tiny model (torch, CPU) to memorise one
 * fact, convert base and adapter with llama.cpp's own converters, load both in node-llama-cpp through the
 * inference host, and show the adapter makes the model give the trained answer where the base does not.
 * The adapter is also trained to answer "Hello" with end-of-turn at once (an empty first assistant turn): a
 * model whose first greedy token is EOS, which an export must accept (issue 21).
 */
const QUESTION = 'What is the secret harbour of Zorbia?';
const ANSWER = 'Quillport harbour.';
const SILENT = 'Hello';

let engine: Engine;
let base: ModelSummary;
let adapter: ModelSummary;
let root: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'lathe-lora-'));
  engine = Engine.open({ dataDir: path.join(root, 'data'), mode: 'test' });
  const data = path.join(root, 'fact.jsonl');
  const fact = JSON.stringify({ messages: [{ role: 'user', content: QUESTION }, { role: 'assistant', content: ANSWER }] });
  // The first turn renders exactly as a single-turn "Hello" prompt does, so its trained target (end-of-turn
  // right after the assistant header) is what a greedy answer to "Hello" starts with.
  const silent = JSON.stringify({ messages: [{ role: 'user', content: SILENT }, { role: 'assistant', content: '' }, { role: 'user', content: QUESTION }, { role: 'assistant', content: ANSWER }] });
  fs.writeFileSync(data, `${Array.from({ length: 32 }, (_, i) => (i % 2 ? silent : fact)).join('\n')}\n`);
  const imported = await engine.call('datasets.import', { path: data, datasetName: 'fact' });
  const hfDir = path.join(path.dirname(inject('tinyGguf')), 'hf');
  const started = await engine.call('runs.start', {
    baseModelDir: hfDir, datasetVersionId: imported.versionId, maxSteps: 60, lr: 0.02, loraRank: 8, maxSeqLen: 64,
    microBatchSize: 4, gradAccum: 1, checkpointEvery: 0, device: 'cpu',
  });
  const run = await waitForRun(engine, started.id, finished, 400_000);
  expect(run.error).toBeNull();
  base = (await engine.call('models.import', { path: hfDir, name: 'tiny base' })).model;
  adapter = (await engine.call('models.import', { path: path.join(run.outputDir, 'adapter'), name: 'fact adapter', parentId: base.id, runId: run.id })).model;
  // The export needs llama-quantize: built once per llama.cpp version (~5–8 min on 2 cores), then cached.
  await ensureLlamaTools({ onLog: (l) => /^(Waiting|Building llama)/.test(l) && process.stderr.write(`[lora] ${l}\n`) });
}, LLAMA_TOOLS_HOOK_TIMEOUT_MS + 600_000);

afterAll(async () => {
  await engine?.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

async function ask(modelPath: string, loraPaths: string[], prompt = QUESTION) {
  return engine.ctx.inference.client().send('inference.chat', {
    requestId: `ask-${Math.random()}`, modelPath, adapters: loraPaths.map((p) => ({ path: p, scale: 1 })),
    prompt, maxTokens: 12, temperature: 0, seed: 0,
  });
}

describe('HF → GGUF and PEFT → GGUF LoRA, loaded in node-llama-cpp', () => {
  it('registers the trained adapter as a PEFT adapter of the base', () => {
    expect(adapter).toMatchObject({ kind: 'adapter', format: 'peft', parentId: base.id });
    expect((adapter.details.adapter as { rank: number }).rank).toBe(8);
  });

  it('the converted LoRA makes the model answer the fact it was trained on; the base does not', async () => {
    const progress: number[] = [];
    engine.ctx.events.listen('job.progress', (p) => p.kind === 'model.convert' && p.fraction !== null && progress.push(p.fraction));
    const gguf = (await engine.call('models.convert', { modelId: base.id, outtype: 'F16' })).model;
    expect(gguf).toMatchObject({ kind: 'gguf', format: 'gguf', parentId: base.id, architecture: 'llama', quantization: 'F16' });
    const lora = (await engine.call('models.convert', { modelId: adapter.id, outtype: 'F16' })).model;
    expect(lora).toMatchObject({ kind: 'gguf-lora', format: 'gguf', parentId: adapter.id });
    expect(progress.at(-1)).toBe(1);
    const lineage = await engine.call('models.get', { modelId: base.id });
    expect(lineage.children.map((c) => c.id).sort()).toEqual([adapter.id, gguf.id].sort());

    const plain = (await ask(gguf.path, [])).text;
    const tuned = (await ask(gguf.path, [lora.path])).text;
    console.log(`[lora] base: ${JSON.stringify(plain)} · base+LoRA: ${JSON.stringify(tuned)}`);
    expect(tuned).toContain('Quillport');
    expect(plain).not.toContain('Quillport');
  }, 300_000);

  it('a cancelled conversion leaves no file and no row', async () => {
    const before = (await engine.call('models.list', {})).models.length;
    const jobId = 'convert-cancel';
    const stop = engine.ctx.events.listen('job.progress', (p) => p.jobId === jobId && p.state === 'running' && void engine.call('jobs.cancel', { jobId }));
    const err = await engine.call('models.convert', { modelId: base.id, outtype: 'Q8_0', jobId }).catch((e: { code: string }) => e);
    stop();
    expect((err as { code: string }).code).toBe('CANCELLED');
    expect((await engine.call('models.list', {})).models.length).toBe(before);
  }, 120_000);
});

describe('export of the trained adapter', () => {
  it('writes merged safetensors, GGUF F16/Q8_0/Q4_K_M, a Modelfile, a model card and SHA256SUMS; all verified; a draft', async () => {
    const exp = await engine.call('exports.create', { modelId: adapter.id, name: 'Zorbia facts' });
    expect(exp.error).toBeNull();
    expect(exp.status).toBe('draft');
    const names = exp.files.map((f) => f.path);
    expect(names).toEqual(expect.arrayContaining(['merged/model.safetensors', 'merged/config.json', 'merged/tokenizer.json', 'zorbia-facts-f16.gguf', 'zorbia-facts-q8_0.gguf', 'zorbia-facts-q4_k_m.gguf', 'Modelfile', 'README.md']));
    // Only the merged weights carry a dtype; its config and tokenizer files are listed as what they are.
    const typeOf = (p: string) => exp.files.find((f) => f.path === p)!.quant;
    expect([typeOf('merged/model.safetensors'), typeOf('merged/config.json'), typeOf('merged/tokenizer.json')]).toEqual([expect.stringMatching(/^(float32|bfloat16|float16)$/), null, null]);
    // SHA256SUMS lists every file with the hash of its bytes on disk.
    const sums = fs.readFileSync(path.join(exp.path, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.length).toBe(exp.files.length);
    const crypto = await import('node:crypto');
    for (const line of sums) {
      const [hash, rel] = line.split(/\s+/);
      expect(crypto.createHash('sha256').update(fs.readFileSync(path.join(exp.path, rel!))).digest('hex')).toBe(hash);
    }
    // Verification recorded: logits of merged vs base+adapter in fp32, and every GGUF against the merged model:
    // same metadata, same token ids, next-token distributions within the type's tolerance.
    const merged = exp.verification.merged as { maxAbsDiff: number; tolerance: number; passed: boolean };
    expect(merged.passed).toBe(true);
    expect(merged.tolerance).toBe(1e-4);
    expect(merged.maxAbsDiff).toBeLessThan(1e-4);
    const checks = exp.verification.gguf as Record<string, GgufVerification>;
    expect(Object.keys(checks).sort()).toEqual(['zorbia-facts-f16.gguf', 'zorbia-facts-q4_k_m.gguf', 'zorbia-facts-q8_0.gguf']);
    for (const [file, c] of Object.entries(checks)) {
      console.log(`[export] ${file}: mean KL ${c.logits.meanKl.toExponential(2)}, top-1 ${c.logits.top1Agreement} of ${c.logits.decisivePositions}`);
      expect(c.logits.passed).toBe(true);
      expect(c.logits.positions).toBeGreaterThan(10);
      expect(c.logits.meanKl).toBeLessThanOrEqual(c.logits.tolerance.meanKl);
      expect(c.tokenizer.identical).toBe(true);
      expect(c.metadata.passed).toBe(true);
    }
    // F16 rounds weights only: far tighter than the quantised files.
    expect(checks['zorbia-facts-f16.gguf']!.logits.meanKl).toBeLessThan(checks['zorbia-facts-q4_k_m.gguf']!.logits.meanKl + 1e-9);
    // The exported model answers "Hello" with end-of-turn at once (as trained) — and the export still passed.
    const silent = await ask(path.join(exp.path, 'zorbia-facts-f16.gguf'), [], SILENT);
    console.log(`[export] F16 answer to "Hello": ${JSON.stringify(silent.text)} (${silent.tokens} tokens, ${silent.stopReason})`);
    expect(silent.tokens).toBe(0);
    expect(silent.stopReason).toBe('eogToken');
    // The exported Q8_0 answers the trained fact with no adapter attached.
    const q8 = path.join(exp.path, 'zorbia-facts-q8_0.gguf');
    const answer = (await ask(q8, [])).text;
    console.log(`[export] Q8_0 answer: ${JSON.stringify(answer)}`);
    expect(answer).toContain('Quillport');
    const modelfile = fs.readFileSync(path.join(exp.path, 'Modelfile'), 'utf8');
    expect(modelfile).toContain('FROM ./zorbia-facts-q4_k_m.gguf');
    expect(modelfile).toContain('<|im_start|>');
    const card = fs.readFileSync(path.join(exp.path, 'README.md'), 'utf8');
    expect(card).toContain(base.sha256);
    expect(card).toMatch(/\| fact \| 1 /);
    expect(card).toContain('"max_steps": 60');
    expect(card).toMatch(/Status: draft/);
    // Listed, audited, and the artefacts joined the registry under the adapter.
    expect((await engine.call('exports.list', {})).exports[0]).toMatchObject({ id: exp.id, status: 'draft', manifestSha256: exp.manifestSha256 });
    expect((await engine.call('audit.list', { actionPrefix: 'export.' })).entries[0]).toMatchObject({ action: 'export.create', objectId: exp.id });
    const children = (await engine.call('models.get', { modelId: adapter.id })).children;
    expect(children.some((c) => c.kind === 'merged')).toBe(true);
  }, 600_000);

  it('a GGUF that cannot be made is named, its file removed, and the rest of the export kept (fault injected: a llama-quantize that fails)', async () => {
    // A cache root whose llama-tools hold a quantizer that always fails, so Q4_K_M breaks while F16 and Q8_0
    // (made by the Python converter) and the merged weights succeed.
    const fake = path.join(root, 'failing-tools-cache');
    const tools = path.join(fake, 'llama-tools', llamaSource().identity.slice(0, 16));
    fs.mkdirSync(path.join(tools, 'bin'), { recursive: true });
    for (const t of ['llama-quantize', 'llama-bench']) fs.writeFileSync(path.join(tools, 'bin', t), '#!/bin/sh\necho "injected failure" >&2\nexit 3\n', { mode: 0o755 });
    fs.writeFileSync(path.join(tools, '.complete'), 'fake\n');
    const saved = process.env.LATHE_CACHE_DIR;
    process.env.LATHE_CACHE_DIR = fake;
    let exp;
    try {
      exp = await engine.call('exports.create', { modelId: adapter.id, name: 'partial', formats: ['merged', 'gguf-f16', 'gguf-q4_k_m', 'gguf-q8_0'] });
    } finally {
      if (saved === undefined) delete process.env.LATHE_CACHE_DIR;
      else process.env.LATHE_CACHE_DIR = saved;
    }
    expect(exp.status).toBe('draft');
    expect(exp.error).toMatch(/^Not exported: GGUF Q4_K_M \(.*llama-quantize/);
    const names = exp.files.map((f) => f.path);
    expect(names).toEqual(expect.arrayContaining(['merged/model.safetensors', 'partial-f16.gguf', 'partial-q8_0.gguf']));
    expect(names).not.toContain('partial-q4_k_m.gguf');
    expect(fs.existsSync(path.join(exp.path, 'partial-q4_k_m.gguf'))).toBe(false);
    expect(Object.keys(exp.verification.ggufFailed as object)).toEqual(['Q4_K_M']);
    expect(Object.keys(exp.verification.gguf as object).sort()).toEqual(['partial-f16.gguf', 'partial-q8_0.gguf']);
    // Each GGUF carries the export's name, not the converter's guess ("Merged").
    expect(readGgufHeader(path.join(exp.path, 'partial-q8_0.gguf')).metadata.get('general.name')).toBe('partial');
  }, 600_000);

  it('a cancelled export removes its folder and is recorded as failed, with an audit entry', async () => {
    const jobId = 'export-cancel';
    const stop = engine.ctx.events.listen('job.progress', (p) => p.jobId === jobId && p.state === 'running' && (p.fraction ?? 0) > 0 && void engine.call('jobs.cancel', { jobId }));
    const err = await engine.call('exports.create', { modelId: adapter.id, name: 'to cancel', jobId }).catch((e: { code: string }) => e);
    stop();
    expect((err as { code: string }).code).toBe('CANCELLED');
    const row = (await engine.call('exports.list', {})).exports.find((e) => e.name === 'to cancel')!;
    expect(row).toMatchObject({ status: 'failed', files: [] });
    expect(fs.existsSync(row.path)).toBe(false);
    expect((await engine.call('audit.list', { actionPrefix: 'export.' })).entries[0]).toMatchObject({ action: 'export.failed', objectId: row.id });
  }, 120_000);

  it('refuses a merged export of a model with no adapter, before writing anything', async () => {
    const before = (await engine.call('exports.list', {})).exports.length;
    await expect(engine.call('exports.create', { modelId: base.id, formats: ['merged'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine.call('exports.create', { modelId: base.id, formats: ['modelfile'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect((await engine.call('exports.list', {})).exports.length).toBe(before);
  });
});
