import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { findPythonEnv } from '../../src/engine/training/python-env.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Held-out perplexity from the Evaluate page: measure the tiny HF model and an adapter on it (the real trainer,
 * CPU), then read the base-vs-tuned comparison.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const TINY_HF = path.join(path.dirname(TINY_GGUF), 'hf');

let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-perplexity-');
});
afterAll(async () => s?.close());

describe('held-out perplexity (browser mode, real trainer)', () => {
  it('measures base and adapter from the UI and shows the comparison', async () => {
    const engine = s.server.engine;
    registerGguf(engine, TINY_GGUF, 'tiny-gguf'); // the Evaluate page opens once a GGUF and a dataset exist
    const adapterDir = path.join(s.dataDir, 'adapter');
    const script = [
      'import sys, torch', 'from peft import LoraConfig, get_peft_model', 'from transformers import AutoModelForCausalLM', 'torch.manual_seed(0)',
      'm = get_peft_model(AutoModelForCausalLM.from_pretrained(sys.argv[1], local_files_only=True), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))',
      'm.save_pretrained(sys.argv[2], safe_serialization=True)',
    ].join('\n');
    execFileSync(findPythonEnv().python, ['-c', script, TINY_HF, adapterDir], { env: { ...process.env, HF_HUB_OFFLINE: '1' }, stdio: 'ignore' });
    const { model: base } = await engine.call('models.import', { path: TINY_HF, name: 'tiny-hf' });
    const { model: adapter } = await engine.call('models.import', { path: adapterDir, name: 'policy-lora', parentId: base.id });
    const file = path.join(s.dataDir, 'policy.jsonl');
    const texts = ['Claims must be filed within thirty days of the incident.', 'The grid emergency number is 105.', 'Outages are reported to the duty officer at once.'];
    fs.writeFileSync(file, texts.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    await engine.call('datasets.import', { path: file, datasetName: 'Policy text' });

    const { page, problems } = await openApp(s.browser, s.server.url, 'light', '#/evaluate');
    const panel = page.getByTestId('ev-perplexity');
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId('ppl-empty').isVisible()).toBe(true);
    await page.getByTestId('ppl-model').selectOption(base.id);
    await page.getByTestId('ppl-split').selectOption('all');
    await page.getByTestId('ppl-run').focus();
    await page.keyboard.press('Enter'); // keyboard reachable
    await expect.poll(() => page.getByTestId('ppl-results').locator('tbody tr').count(), { timeout: 60_000 }).toBe(1);
    await page.getByTestId('ppl-model').selectOption(adapter.id);
    await page.getByTestId('ppl-run').click();
    await expect.poll(() => page.getByTestId('ppl-results').locator('tbody tr').count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('ppl-compare').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('ppl-compare').textContent()).toContain('policy-lora');
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'perplexity-base-vs-tuned');
    expect(problems).toEqual([]);
  }, 150_000);
});
