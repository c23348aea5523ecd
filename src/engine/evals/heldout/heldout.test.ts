import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../../tests/support/temp-dir.js';
import { Engine } from '../../engine.js';
import { findPythonEnv } from '../../training/python-env.js';

/** Held-out perplexity end to end: real engine, real SQLite, the real trainer (Python) on the tiny HF model. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

const tinyHf = () => path.join(path.dirname(inject('tinyGguf')), 'hf');

/** A LoRA adapter with non-zero B, so it really changes the model (made by peft, as a training run would). */
function makeAdapter(out: string) {
  const script = [
    'import sys, torch', 'from peft import LoraConfig, get_peft_model', 'from transformers import AutoModelForCausalLM',
    'torch.manual_seed(0)', 'm = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32, local_files_only=True)',
    'm = get_peft_model(m, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))',
    'm.save_pretrained(sys.argv[2], safe_serialization=True)',
  ].join('\n');
  execFileSync(findPythonEnv().python, ['-c', script, tinyHf(), out], { env: { ...process.env, HF_HUB_OFFLINE: '1' }, stdio: 'ignore' });
}

describe('held-out perplexity', () => {
  it('measures base and adapter on a text dataset in the trainer, stores, lists and audits both', async () => {
    const dir = tempDir();
    const engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    engines.push(engine);
    const file = path.join(dir, 'policy.jsonl');
    const long = 'Claims must be filed within thirty days of the incident. '.repeat(40);
    fs.writeFileSync(file, [long, 'The grid emergency number is 105.', 'Outages are reported to the duty officer.'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'policy text' });
    const { model: base } = await engine.call('models.import', { path: tinyHf(), name: 'tiny' });
    const adapterDir = path.join(dir, 'adapter');
    makeAdapter(adapterDir);
    const { model: adapter } = await engine.call('models.import', { path: adapterDir, name: 'tuned', parentId: base.id });

    const progress: Array<{ state: string; fraction: number | null }> = [];
    engine.ctx.events.listen('job.progress', (p) => p.kind === 'evals.perplexity' && progress.push(p));
    const a = await engine.call('evals.perplexity', { modelId: base.id, datasetVersionId: versionId, split: 'all', maxSeqLen: 64, stride: 32, device: 'cpu' });
    expect(a).toMatchObject({ modelId: base.id, modelSha256: base.sha256, adapterId: null, documents: 3, maxSeqLen: 64, stride: 32, split: 'all' });
    expect(a.device).toBe('cpu');
    expect(a.tokens).toBeGreaterThan(150); // the long document is scored across several windows
    expect(a.ppl).toBeCloseTo(Math.exp(a.loss), 6);
    expect(a.perDocument.map((d) => d.tokens).reduce((s, n) => s + n, 0)).toBe(a.tokens);
    expect(progress.at(-1)?.state).toBe('done');

    const b = await engine.call('evals.perplexity', { modelId: adapter.id, datasetVersionId: versionId, split: 'all', maxSeqLen: 64, stride: 32, device: 'cpu' });
    expect(b).toMatchObject({ modelId: base.id, adapterId: adapter.id, adapterSha256: adapter.sha256, tokens: a.tokens });
    expect(b.loss).not.toBeCloseTo(a.loss, 4);

    const { results } = await engine.call('evals.perplexityResults', { datasetVersionId: versionId });
    expect(results.map((r) => r.id)).toEqual([b.id, a.id]);
    const audit = await engine.call('audit.list', {});
    const entries = (audit as { entries: Array<{ action: string; objectId: string | null }> }).entries.filter((e) => e.action === 'eval.perplexity');
    expect(entries.map((e) => e.objectId).sort()).toEqual([a.id, b.id].sort());
    expect(fs.existsSync(path.join(dir, 'data', 'heldout', a.id))).toBe(false); // the JSONL copy is removed
  }, 120_000);

  it('refuses a GGUF model and an empty split with a clear error, storing nothing', async () => {
    const dir = tempDir();
    const engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    engines.push(engine);
    const file = path.join(dir, 't.jsonl');
    fs.writeFileSync(file, JSON.stringify({ text: 'one document' }) + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 't' });
    const { model: gguf } = await engine.call('models.import', { path: inject('tinyGguf') });
    const { model: hf } = await engine.call('models.import', { path: tinyHf() });
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: { code: string; message: string; hint: string }) => e);
    const e1 = await refusal(engine.call('evals.perplexity', { modelId: gguf.id, datasetVersionId: versionId, split: 'all' }));
    expect(e1).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(e1!.message).toMatch(/GGUF/);
    const e2 = await refusal(engine.call('evals.perplexity', { modelId: hf.id, datasetVersionId: versionId, split: 'test' }));
    expect(e2).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(e2!.hint).toMatch(/split/i);
    expect((await engine.call('evals.perplexityResults', {})).results).toEqual([]);
  }, 60_000);
});
