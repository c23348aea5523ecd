import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { runPerplexityPython } from '../evals/heldout/perplexity-python.js';
import { Engine } from '../engine.js';
import { greedyExactMatch } from '../training/greedy-eval.js';
import { finished, quick, trainingEngine, waitForRun } from '../training/training-test-kit.js';
import { runExportPython } from './export-python.js';
import { convertHfToGguf, convertLoraToGguf } from './llama-converters.js';

/**
 * Lathe never runs code that comes with a model. The canary: the tiny model's HF folder plus `auto_map` entries in
 * config.json and tokenizer_config.json naming canary_model.py / canary_tokenizer.py, whose import writes a marker
 * file. Its architecture says DreamModel and it has no tokenizer.model, so llama.cpp's converter reaches
 * `AutoTokenizer.from_pretrained(dir, trust_remote_code=True)` — without the guard the canary runs there (it did).
 * Every entry point that reads an HF folder with Python is tried on it, bypassing import where it can be bypassed;
 * each must refuse with the one sentence, and the marker must never appear. Chat, eval, the playground and serving
 * read GGUFs only (node-llama-cpp), never an HF folder, so there is nothing of theirs to try.
 */
let root: string;
let canary: string;
let marker: string;
let modulesCache: string;
const engines: Engine[] = [];
const savedModulesCache = process.env.HF_MODULES_CACHE;
const REFUSED = /^This model needs custom Python code from its folder \(auto_map → .*canary_model\.CanaryConfig.* Lathe never runs code that comes with a model/;

function tinyHf(): string {
  return path.join(path.dirname(inject('tinyGguf')), 'hf');
}

function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

/** A copy of the tiny model's HF folder; `withCode` adds the canary (auto_map + the .py files). */
function modelFolder(name: string, withCode = true): string {
  const dir = path.join(root, name);
  fs.cpSync(tinyHf(), dir, { recursive: true });
  if (withCode) addCanary(dir);
  return dir;
}

function addCanary(dir: string): void {
  fs.rmSync(path.join(dir, 'tokenizer.model'), { force: true });
  editJson(path.join(dir, 'config.json'), (c) => {
    c.architectures = ['DreamModel'];
    c.auto_map = { AutoConfig: 'canary_model.CanaryConfig', AutoModelForCausalLM: 'canary_model.CanaryForCausalLM' };
  });
  editJson(path.join(dir, 'tokenizer_config.json'), (t) => {
    t.auto_map = { AutoTokenizer: ['canary_tokenizer.CanaryTokenizer', null] };
  });
  for (const module of ['canary_model', 'canary_tokenizer']) {
    fs.writeFileSync(path.join(dir, `${module}.py`), `import pathlib\nwith open(${JSON.stringify(marker)}, "a") as f:\n    f.write("${module} ran\\n")\n`);
  }
}

function fakeAdapter(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj'] }));
  return dir;
}

/** Any canary file transformers copied into its modules cache (it copies before it imports). */
function copiedModules(dir = modulesCache): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f).startsWith('canary'));
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-canary-'));
  marker = path.join(root, 'CANARY-RAN');
  modulesCache = path.join(root, 'hf-modules');
  process.env.HF_MODULES_CACHE = modulesCache; // inherited by every Python the engine starts
  canary = modelFolder('canary');
});
afterAll(async () => {
  for (const e of engines.splice(0)) await e.dispose();
  if (savedModulesCache === undefined) delete process.env.HF_MODULES_CACHE;
  else process.env.HF_MODULES_CACHE = savedModulesCache;
  fs.rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  // Read, then cleared, so each test is judged by what it ran itself.
  const ran = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : 'no canary ran';
  const copied = copiedModules();
  fs.rmSync(marker, { force: true });
  fs.rmSync(modulesCache, { recursive: true, force: true });
  expect(ran).toBe('no canary ran');
  expect(copied).toEqual([]);
});

function openEngine(): Engine {
  const engine = Engine.open({ dataDir: fs.mkdtempSync(path.join(root, 'data-')), mode: 'test' });
  engines.push(engine);
  return engine;
}

type Refusal = Error & { code?: string; hint?: string };
const failure = (p: Promise<unknown>): Promise<Refusal> => p.then(() => new Error('resolved, but it had to be refused') as Refusal, (e: Refusal) => e);

describe('import and inspect refuse a folder that carries code; nothing is registered or copied', () => {
  it('models.import (copy and in place) and models.inspect', async () => {
    const engine = openEngine();
    for (const copy of [true, false]) {
      const err = await failure(engine.call('models.import', { path: canary, copy }));
      expect(err.message).toMatch(REFUSED);
      expect(err.message).toContain('canary_tokenizer.CanaryTokenizer in tokenizer_config.json');
      expect(err.message).toContain('Nothing was imported.');
      expect(err.hint).toMatch(/supports natively.*delete the auto_map entries/);
    }
    expect((await failure(engine.call('models.inspect', { path: canary }))).message).toMatch(REFUSED);
    expect((await engine.call('models.list', {})).models).toEqual([]);
    const modelsDir = path.join(engine.ctx.dataDir, 'models');
    expect(fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir) : []).toEqual([]);
  });

  it('a .py alone, or auto_map in a processor config, is refused too', async () => {
    const engine = openEngine();
    const pyOnly = modelFolder('py-only', false);
    fs.writeFileSync(path.join(pyOnly, 'modeling_extra.py'), `open(${JSON.stringify(marker)}, "a").write("modeling_extra ran\\n")\n`);
    expect((await failure(engine.call('models.import', { path: pyOnly, copy: true }))).message)
      .toMatch(/^This model needs custom Python code from its folder \(Python file modeling_extra\.py; in .*\)\. Lathe never runs code/);
    const processor = modelFolder('processor', false);
    fs.writeFileSync(path.join(processor, 'preprocessor_config.json'), JSON.stringify({ auto_map: { AutoProcessor: 'proc.CanaryProcessor' } }));
    expect((await failure(engine.call('models.import', { path: processor, copy: true }))).message)
      .toContain('(auto_map → proc.CanaryProcessor in preprocessor_config.json;');
    expect((await engine.call('models.list', {})).models).toEqual([]);
  });
});

describe('conversion: llama.cpp\'s converter never runs the canary', () => {
  it('convertHfToGguf on the folder directly (no import): refused, no output', async () => {
    const out = path.join(root, 'canary-f16.gguf');
    const err = await failure(convertHfToGguf(canary, out, 'f16'));
    expect(err.message).toMatch(REFUSED);
    expect(err.message).toContain('Nothing was converted.');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('convertLoraToGguf with the canary as the base: refused', async () => {
    const out = path.join(root, 'lora-f16.gguf');
    const err = await failure(convertLoraToGguf(fakeAdapter('adapter-for-convert'), canary, out, 'f16'));
    expect(err.message).toMatch(REFUSED);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a registered folder that gained code after import: models.convert refuses', async () => {
    const engine = openEngine();
    const dir = modelFolder('changed-after-import', false);
    const { model } = await engine.call('models.import', { path: dir, copy: false });
    addCanary(dir);
    const err = await failure(engine.call('models.convert', { modelId: model.id, outtype: 'F16' }));
    expect(err.message).toMatch(REFUSED);
    expect((await engine.call('models.list', {})).models.map((m) => m.id)).toEqual([model.id]);
  });

  it('a clean folder still converts through the guard', async () => {
    const out = path.join(root, 'clean-f16.gguf');
    await convertHfToGguf(tinyHf(), out, 'f16');
    expect(fs.readFileSync(out).subarray(0, 4).toString('latin1')).toBe('GGUF');
  }, 120_000);
});

describe('Python that loads HF folders refuses the canary with its own sentence, never "a bug"', () => {
  const expectRefused = (err: Refusal) => {
    expect(err.message).toMatch(REFUSED);
    expect(err.message).toContain('Nothing was loaded.');
    expect(err.hint).not.toMatch(/bug/i);
    expect(err.hint).toMatch(/supports natively/);
  };

  it('export reference, render-chat, merge and compare-logits', async () => {
    expectRefused(await failure(runExportPython(['reference', '--model', canary])));
    expectRefused(await failure(runExportPython(['render-chat', '--model', canary, '--messages', JSON.stringify([{ role: 'user', content: 'hi' }])])));
    const adapter = fakeAdapter('adapter-for-export');
    const out = path.join(root, 'merged');
    expectRefused(await failure(runExportPython(['merge', '--base', canary, '--adapter', adapter, '--out', out])));
    expect(fs.existsSync(out)).toBe(false);
    expectRefused(await failure(runExportPython(['compare-logits', '--base', canary, '--adapter', adapter, '--merged', canary])));
  }, 60_000);

  it('perplexity on the folder', async () => {
    const data = path.join(root, 'heldout.jsonl');
    fs.writeFileSync(data, `${JSON.stringify({ text: 'A short held-out line.' })}\n`);
    const config = path.join(root, 'ppl.json');
    fs.writeFileSync(config, JSON.stringify({ model: canary, adapter: null, data: [data], device: 'cpu' }));
    expectRefused(await failure(runPerplexityPython(config)));
  }, 60_000);

  it('greedy exact match (the demo\'s step 5) on the folder, and with an adapter that carries code', async () => {
    const questionsJsonl = path.join(root, 'questions.jsonl');
    fs.writeFileSync(questionsJsonl, `${JSON.stringify({ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] })}\n`);
    expectRefused(await failure(greedyExactMatch({ baseModelDir: canary, adapterDir: fakeAdapter('adapter-for-greedy'), questionsJsonl })));
    const codeAdapter = fakeAdapter('adapter-with-code');
    fs.writeFileSync(path.join(codeAdapter, 'canary_model.py'), `with open(${JSON.stringify(marker)}, "a") as f:\n    f.write("adapter code ran\\n")\n`);
    const err = await failure(greedyExactMatch({ baseModelDir: tinyHf(), adapterDir: codeAdapter, questionsJsonl }));
    expect(err.message).toMatch(/^This model needs custom Python code from its folder \(Python file canary_model\.py; in /);
    expect(err.message).toContain(codeAdapter);
    expect(err.message).toContain('Nothing was loaded.');
  }, 60_000);

  it('training with the folder as the base model (what `lathe train --base DIR` starts): the run fails with the sentence', async () => {
    const { engine, versionId } = await trainingEngine(engines, fs.mkdtempSync(path.join(root, 'train-')));
    const started = await engine.call('runs.start', { baseModelDir: canary, datasetVersionId: versionId, ...quick });
    const run = await waitForRun(engine, started.id, finished);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('custom_code_refused');
    expect(run.error?.message).toMatch(REFUSED);
    expect(run.error?.hint).toMatch(/supports natively/);
  }, 120_000);
});
