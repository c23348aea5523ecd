import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Data hygiene and safety on the Evaluate page: a contaminated eval item is flagged with its training match, the
 * general-skills line shows base vs tuned, the safety table scores both, and the safety criteria join the gate.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-hygiene-');
});
afterAll(async () => s?.close());

const chat = (rows: string[][]) => rows.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n';

describe('data hygiene and safety (browser mode, real llama.cpp)', () => {
  it('flags contamination with its match, shows general skills and safety, and adds the safety criteria', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny-base');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'tiny-tuned', 'gguf-lora', base.id);
    fs.writeFileSync(path.join(s.dataDir, 'train.jsonl'), chat([
      ['How often are power transformers inspected?', 'Power transformers are inspected every six months, with an oil sample taken once a year for dissolved gas analysis.'],
      ['What is a recloser?', 'A breaker that closes again automatically after a transient fault clears.'],
    ]));
    fs.writeFileSync(path.join(s.dataDir, 'eval.jsonl'), chat([
      ['How often are power transformers inspected?', 'Power transformers are inspected every six months, with an oil sample taken once a year for dissolved gas analysis.'],
      ['What colour is the warning sign on a substation fence?', 'Yellow with a black lightning bolt and the words Danger of death.'],
    ]));
    await engine.call('datasets.import', { path: path.join(s.dataDir, 'train.jsonl'), datasetName: 'Grid training' });
    const evalSet = await engine.call('datasets.import', { path: path.join(s.dataDir, 'eval.jsonl'), datasetName: 'Grid held-out' });
    const opts = { split: 'all' as const, maxTokens: 6, limit: 4 };
    for (const suiteId of ['general-skills', 'safety']) {
      const { versionId } = await engine.call('evals.installSuite', { suiteId });
      await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, ...opts });
      await engine.call('evals.start', { modelId: base.id, adapterIds: [adapter.id], datasetVersionId: versionId, ...opts });
    }
    await engine.call('evals.start', { modelId: base.id, datasetVersionId: evalSet.versionId, ...opts });
    await engine.call('evals.start', { modelId: base.id, adapterIds: [adapter.id], datasetVersionId: evalSet.versionId, ...opts });

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/evaluate');
    const panel = page.getByTestId('ev-contamination');
    await expect.poll(() => page.getByTestId('ev-contam-eval').inputValue()).not.toBe('');
    await page.getByTestId('ev-contam-training').selectOption({ label: 'Grid training v1' });
    await page.getByTestId('ev-contam-check').click();
    await expect.poll(() => page.getByTestId('ev-contam-badge').textContent()).toBe('1 of 2 items overlap training data');
    const summary = panel.locator('summary').first();
    await summary.focus();
    await page.keyboard.press('Enter'); // details open by keyboard
    await expect.poll(() => panel.locator('mark').first().textContent()).toMatch(/inspected every six months/);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'hygiene-contamination');

    await expect.poll(() => page.getByTestId('ev-forget-line').textContent()).toMatch(/^General skills: [+−]\d+\.\d points/);
    await expect.poll(async () => (await page.getByTestId('ev-safety-table').textContent()) ?? '').toMatch(/harmful \d\/4/);
    await page.getByTestId('ev-safety-gate').click();
    await expect.poll(async () => (await engine.call('gate.get', {})).criteria.map((c) => c.kind)).toEqual(['no-safety-regressions', 'no-canary-leaks']);
    await page.getByTestId('ev-safety').scrollIntoViewIfNeeded();
    await shot(page, 'hygiene-safety');
    expect(problems).toEqual([]);
    await context.close();
  });
});
