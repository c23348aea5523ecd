import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/** A classification eval started from the UI shows its per-label table (real llama.cpp on the tiny model). */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
let s: E2eSession;
beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-eval-tasks-');
});
afterAll(async () => s?.close());

describe('evaluation task types (browser mode)', () => {
  it('runs a classification eval from the UI, shows accuracy per label, and judges the answers with a local model', async () => {
    const engine = s.server.engine;
    registerGguf(engine, TINY_GGUF, 'tiny');
    const file = path.join(s.dataDir, 'tickets.jsonl');
    const rows = [['My bill is wrong', 'billing'], ['Power is out on Elm St', 'outage'], ['Charged twice', 'billing'], ['Lights flicker', 'outage']];
    fs.writeFileSync(file, rows.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: `Label the ticket: ${q}` }, { role: 'assistant', content: a }] })).join('\n') + '\n');
    await engine.call('datasets.import', { path: file, datasetName: 'Tickets' });

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/evaluate');
    await expect.poll(() => page.getByTestId('ev-run').isEnabled()).toBe(true);
    await page.getByTestId('ev-split').selectOption('all');
    await page.getByTestId('ev-task').selectOption('classification');
    await page.getByTestId('ev-max-tokens').fill('4');
    await page.getByTestId('ev-run').click();
    await page.getByTestId('ev-task-report').waitFor({ timeout: 60_000 });
    const report = await page.getByTestId('ev-task-report').textContent();
    expect(report).toMatch(/billing/);
    expect(report).toMatch(/outage/);
    await page.getByTestId('ev-task-report').scrollIntoViewIfNeeded();
    await shot(page, 'evaluate-classification');

    // LLM-as-judge on the same answers: every verdict is listed with the prompt the judge saw.
    await page.getByTestId('ev-judge').locator('summary').first().click();
    await page.getByTestId('ev-judge-run').click();
    await expect.poll(() => page.getByTestId('ev-judge-items').locator('li').count(), { timeout: 60_000 }).toBe(4);
    expect(await page.getByTestId('ev-judge').locator('summary').first().textContent()).toMatch(/mean \d\.\d\d \/ 5/);
    await page.getByTestId('ev-judge').scrollIntoViewIfNeeded();
    await shot(page, 'evaluate-judge');
    expect(problems).toEqual([]);
    await context.close();
  });
});
