import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * The correction loop end to end (browser mode, real llama.cpp, the real Python trainer on CPU): correct two
 * answers in the Playground, judge five blind A/B pairs, turn that feedback into a preference dataset, start a DPO
 * run from the Train page and watch its reward-margin curve. What the tiny model says is not assumed: the number of
 * A/B pairs expected is computed from the answers the engine stored.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const BASE_MODEL = path.join(path.dirname(TINY_GGUF), 'hf');
let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF) || !fs.existsSync(path.join(BASE_MODEL, 'config.json'))) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-prefs-');
});
afterAll(async () => {
  if (s) for (const r of (await s.server.engine.call('runs.list', {})).runs) if (r.status === 'running') await s.server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
  await s?.close();
});

describe('preferences from feedback → DPO (browser mode)', () => {
  it('corrects two answers, judges five A/B pairs, makes a preference version and trains DPO on it', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny-base');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'tiny-tuned', 'gguf-lora', base.id);
    const file = path.join(s.dataDir, 'qa.jsonl');
    const topics = ['feeder', 'relay', 'breaker', 'bus', 'recloser', 'transformer'];
    fs.writeFileSync(file, topics.map((t) => JSON.stringify({ messages: [{ role: 'user', content: `What is a ${t}?` }, { role: 'assistant', content: `A ${t} is grid equipment.` }] })).join('\n') + '\n');
    const qa = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    const a = await engine.call('evals.start', { modelId: base.id, datasetVersionId: qa.versionId, split: 'all', maxTokens: 8 });
    const b = await engine.call('evals.start', { modelId: base.id, adapterIds: [adapter.id], datasetVersionId: qa.versionId, split: 'all', maxTokens: 8 });
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/playground');

    // 1. Two corrections in the Playground.
    await expect.poll(() => page.getByTestId('pg-input').isVisible()).toBe(true);
    await page.getByTestId('pg-temperature').fill('0');
    await page.getByTestId('pg-maxTokens').fill('8');
    const corrections = ['A substation steps voltage down.', 'A relay trips a breaker on a fault.'];
    for (const [i, question] of ['What is a substation?', 'What does a relay do?'].entries()) {
      await page.getByTestId('pg-input').fill(question);
      await page.getByTestId('pg-input').press('Enter');
      await expect.poll(() => page.getByTestId('pg-answer').count(), { timeout: 60_000 }).toBe(i + 1);
      await page.getByTestId('pg-correct').last().click(); // a corrected answer shows "Saved" instead of its button
      await page.getByTestId('pg-correct-text').fill(corrections[i]!);
      await page.getByTestId('pg-correct-save').click();
      await expect.poll(() => page.getByTestId('pg-correct-dialog').isVisible()).toBe(false);
    }

    // 2. Five blind A/B judgements: B (the adapter) preferred whichever side it is on.
    await page.evaluate(() => (window.location.hash = '#/evaluate'));
    await expect.poll(() => page.getByTestId('ev-blind-start').isEnabled()).toBe(true);
    await page.getByTestId('ev-blind-start').click();
    const items = new Map((await engine.call('evals.items', { evalId: b.id })).items.map((i) => [i.prompt, i.output]));
    const aByPrompt = new Map((await engine.call('evals.items', { evalId: a.id })).items.map((i) => [i.prompt, i.output]));
    const judgedPrompts: string[] = [];
    for (let i = 0; i < 5; i++) {
      await expect.poll(() => page.getByTestId('ev-blind-progress').textContent()).toBe(`${i + 1} of 6`);
      const pair = page.getByTestId('ev-blind-pair');
      const left = (await pair.getByTestId('ev-blind-left').locator('.ev-blind-text').textContent()) ?? '';
      const prompt = (await pair.locator('.ev-blind-prompt > p').textContent()) ?? '';
      judgedPrompts.push(prompt);
      await page.keyboard.press(left === (items.get(prompt) || '(empty answer)') ? '1' : '2');
    }
    await expect.poll(() => page.getByTestId('ev-blind-progress').textContent()).toBe('6 of 6');

    // What the feedback must give: a pair for each judged item whose two answers differ and whose winner (B) said something.
    const expected = judgedPrompts.filter((p) => items.get(p)!.trim() && items.get(p)!.trim() !== aByPrompt.get(p)!.trim()).length;
    const [session] = (await engine.call('prefs.list', {})).sessions;
    const judged = (await engine.call('prefs.feedback', { corrections: false, reviewEdits: false, sessionIds: [session!.id] })).abJudgements;
    expect(judged).toBe(expected);

    // 3. Datasets → Pairs from feedback.
    await page.evaluate(() => (window.location.hash = '#/datasets'));
    await page.getByTestId('datasets-feedback').click();
    await page.getByTestId('feedback-dialog').waitFor();
    await expect.poll(() => page.getByTestId('feedback-count-corrections').textContent()).toBe('2');
    expect(await page.getByTestId('feedback-count-abJudgements').textContent()).toBe(String(judged));
    await page.getByTestId('feedback-name').fill('Grid preferences');
    await shot(page, 'preferences-from-feedback');
    await page.getByTestId('feedback-create').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toMatch(/^#\/datasets\/[\w-]+$/);
    const prefs = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === 'Grid preferences')!;
    expect(prefs.latestVersion!.exampleCount).toBe(2 + judged);
    const rows = (await engine.call('datasets.examples', { versionId: prefs.latestVersion!.id })).examples;
    expect(rows.filter((r) => r.source.startsWith('playground:')).map((r) => r.content.kind === 'preference' && r.content.chosen[0]!.content)).toEqual(corrections);
    await page.getByTestId('example-row').first().click();
    await page.getByTestId('example-panel').getByTestId('example-preference').waitFor();
    expect(await page.getByTestId('example-panel').getByTestId('pair-chosen').textContent()).toMatch(/Chosen/);
    await shot(page, 'preferences-dataset');

    // 4. Train → DPO on the new version, and the margin curve grows.
    const hfBase = (await engine.call('models.import', { path: BASE_MODEL, name: 'tiny-hf' })).model.id;
    await page.evaluate(() => (window.location.hash = '#/train'));
    await page.getByTestId('train-form').waitFor({ state: 'visible' });
    await page.getByTestId('train-dataset').selectOption({ label: 'Grid preferences (task)' });
    await page.getByTestId('train-base-model').selectOption(hfBase);
    await page.getByTestId('train-objective-dpo').click();
    await page.getByTestId('train-field-beta').fill('0.2');
    await page.getByTestId('train-advanced-toggle').click();
    await page.getByTestId('train-advanced').waitFor({ state: 'visible' });
    for (const [key, value] of Object.entries({ maxSteps: '40', microBatchSize: '2', lr: '0.01' })) await page.getByTestId(`train-field-${key}`).fill(value);
    await page.getByTestId('train-field-device').selectOption('cpu');
    await expect.poll(() => page.getByTestId('train-launch').isEnabled(), { timeout: 30_000 }).toBe(true);
    await shot(page, 'preferences-train-dpo');
    await page.getByTestId('train-launch').click();
    await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
    await page.getByTestId('run-detail').waitFor({ state: 'visible' });
    const margin = page.getByTestId('chart-reward-margin');
    await expect.poll(async () => Number((await margin.getAttribute('data-points')) ?? 0), { timeout: 180_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('chart-reward-accuracy').isVisible()).toBe(true);
    const runId = (await page.evaluate(() => window.location.hash)).split('/')[2]!;
    const run = await engine.call('runs.get', { runId });
    expect(JSON.parse(JSON.stringify(run))).toMatchObject({ config: { objective: 'dpo', preference: { beta: 0.2 } } });
    await shot(page, 'preferences-dpo-run');
    await engine.call('runs.stop', { runId }).catch(() => undefined);
    expect(problems).toEqual([]);
    await context.close();
  });
});
