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
  it('runs a classification eval from the UI and shows accuracy per label', async () => {
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
    expect(problems).toEqual([]);
    await context.close();
  });
});
