import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * A domain expert labels 5 blind pairs with the keyboard (base vs base + LoRA on the tiny model, real llama.cpp),
 * then reveals B's win rate and its interval.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-blind-');
});
afterAll(async () => s?.close());

describe('blind A/B labelling (browser mode, real llama.cpp)', () => {
  it('labels 5 blind pairs with the keyboard and reveals the win rate', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny-base');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'tiny-tuned', 'gguf-lora', base.id);
    const file = path.join(s.dataDir, 'qa.jsonl');
    const topics = ['feeder', 'relay', 'breaker', 'bus', 'recloser', 'transformer', 'substation', 'fuse'];
    fs.writeFileSync(file, topics.map((t) => JSON.stringify({ messages: [{ role: 'user', content: `What is a ${t}?` }, { role: 'assistant', content: `A ${t} is grid equipment.` }] })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, split: 'all', maxTokens: 8 });
    await engine.call('evals.start', { modelId: base.id, adapterIds: [adapter.id], datasetVersionId: versionId, split: 'all', maxTokens: 8 });

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/evaluate');
    await expect.poll(() => page.getByTestId('ev-blind-start').isEnabled()).toBe(true);
    await page.getByTestId('ev-blind-start').click();
    await page.getByTestId('ev-blind-pair').waitFor();
    const pairText = await page.getByTestId('ev-blind-pair').textContent();
    expect(pairText).not.toMatch(/tiny-tuned|tiny-base/); // blind: no model names on screen
    await page.getByTestId('ev-blind').scrollIntoViewIfNeeded();
    await shot(page, 'blind-ab-pair');

    const keys = ['1', '2', 'ArrowLeft', '0', 'ArrowRight'];
    for (const [i, key] of keys.entries()) {
      await expect.poll(() => page.getByTestId('ev-blind-progress').textContent()).toBe(`${i + 1} of 8`);
      await page.keyboard.press(key);
    }
    await expect.poll(() => page.getByTestId('ev-blind-progress').textContent()).toBe('6 of 8');
    await page.getByTestId('ev-blind-reveal-early').click();
    await page.getByTestId('ev-blind-results').waitFor();
    expect(await page.getByTestId('ev-blind-results').textContent()).toMatch(/5 judgements: B better \d, A better \d, ties 1/);
    expect(await page.getByTestId('ev-blind-winrate').textContent()).toMatch(/^\d+%$/);
    await page.getByTestId('ev-blind').scrollIntoViewIfNeeded();
    await shot(page, 'blind-ab-results');

    const log = await engine.call('audit.list', { actionPrefix: 'preference.' });
    expect(log.entries.map((e) => e.action)).toEqual(['preference.session.reveal', 'preference.session.create']);
    expect(problems).toEqual([]);
    await context.close();
  });
});
