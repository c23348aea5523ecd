import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { ARTIFACTS, openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Evaluate in browser mode with real llama.cpp: eval the tiny base and base + LoRA on a test split, open the
 * per-item table, compare them with intervals, and decide the release (a failing gate, then an override).
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const QA = [
  ['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.'], ['What is a relay?', 'A switch.'],
  ['What is a breaker?', 'A switch that opens on a fault.'], ['What is a bus?', 'A conductor that joins circuits.'], ['What is SCADA?', 'Remote control of the grid.'],
];

let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-evaluate-');
});
afterAll(async () => s?.close());

describe('evaluate (browser mode, real llama.cpp)', () => {
  it('runs two evals from the UI, compares them, refuses release at the gate and records an override', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny-base');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'tiny-tuned', 'gguf-lora', base.id);
    const file = path.join(s.dataDir, 'grid-qa.jsonl');
    fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
    const imported = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.5 } });

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/evaluate');
    await expect.poll(() => page.getByTestId('ev-run').isEnabled()).toBe(true);
    // The form keeps what was chosen across a visit to another page: the older version (v1, unsplit), all items.
    await page.getByTestId('ev-version').selectOption({ index: 1 });
    await page.getByTestId('ev-split').selectOption('all');
    const chosen = await page.getByTestId('ev-version').inputValue();
    await page.locator('a[href="#/datasets"]').first().click();
    await page.locator('a[href="#/evaluate"]').first().click();
    await expect.poll(() => page.getByTestId('ev-version').inputValue()).toBe(chosen);
    expect(await page.getByTestId('ev-split').inputValue()).toBe('all');
    await page.getByTestId('ev-version').selectOption({ index: 0 });
    await page.getByTestId('ev-split').selectOption('test');
    await page.getByTestId('ev-max-tokens').fill('12');
    await page.getByTestId('ev-run').click();
    await expect.poll(() => page.getByTestId('ev-items').isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('ev-row').count()).toBe(1);
    const items = await page.getByTestId('ev-items').locator('tbody tr').count();
    expect(items).toBeGreaterThanOrEqual(2);
    await shot(page, 'evaluate-first-eval');

    await page.getByTestId('ev-adapter').selectOption(adapter.id);
    await page.getByTestId('ev-run').click();
    await expect.poll(() => page.getByTestId('ev-row').count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('ev-run').isEnabled(), { timeout: 60_000 }).toBe(true);

    // Compare: A (base) and B (base + adapter) are preselected.
    await page.getByTestId('ev-compare').click();
    await expect.poll(() => page.getByTestId('ev-comparison').isVisible()).toBe(true);
    expect(await page.getByTestId('ev-compare-counts').textContent()).toMatch(new RegExp(`^${items} paired items`));
    expect(await page.getByTestId('ev-compare-judge').textContent()).toMatch(/^Local judge: judge both evals with the same judge model and rubric/);
    await page.getByTestId('ev-comparison').scrollIntoViewIfNeeded();
    await shot(page, 'evaluate-compare');

    // Base and tuned in one go: on items the base model has no eval for (all of them), the form offers to evaluate it
    // first; both evals run, and Compare opens on that pair.
    expect(await page.getByTestId('ev-with-base').isChecked()).toBe(false); // the base already has an eval on the test split
    await page.getByTestId('ev-split').selectOption('all');
    await expect.poll(() => page.getByTestId('ev-with-base').isChecked()).toBe(true);
    expect(await page.getByTestId('ev-run').textContent()).toBe('Run base and tuned');
    await page.getByTestId('ev-with-base').scrollIntoViewIfNeeded();
    await shot(page, 'evaluate-base-and-tuned');
    await page.getByTestId('ev-run').click();
    await expect.poll(() => page.getByTestId('ev-progress').textContent()).toMatch(/^Base model \(1 of 2\): /);
    await expect.poll(() => page.getByTestId('ev-row').count(), { timeout: 90_000 }).toBe(4);
    await expect.poll(() => page.getByTestId('ev-run').isEnabled(), { timeout: 90_000 }).toBe(true);
    await page.getByTestId('ev-compare').click();
    await expect.poll(() => page.getByTestId('ev-compare-counts').textContent()).toMatch(new RegExp(`^${QA.length} paired items`));
    await page.getByTestId('ev-split').selectOption('test');

    // Gate: "F1 ≥ base + 100" — a bar no adapter clears here (every answer word for word right), so the refusal does
    // not hang on how a random LoRA happens to score; release needs an override with reviewer and reason.
    await page.getByTestId('ev-crit-points').fill('100');
    await page.getByTestId('ev-crit-add').click();
    await expect.poll(() => page.getByTestId('ev-criteria').textContent()).toMatch(/token F1 ≥ base \+ 100 points/);
    await expect.poll(() => page.getByTestId('ev-verdict').textContent()).toMatch(/Does not pass/);
    expect(await page.getByTestId('ev-override').isDisabled()).toBe(true);
    await page.getByTestId('ev-reviewer').fill('R. Diaz');
    await page.getByTestId('ev-reason').fill('Pilot only: every answer is checked by a duty engineer.');
    await shot(page, 'evaluate-gate-refused');
    await page.getByTestId('ev-override').click();
    await expect.poll(() => page.getByTestId('ev-releases').textContent()).toMatch(/Override.*R\. Diaz/);
    await shot(page, 'evaluate-override-recorded');

    // The release report: written as HTML + PDF, downloaded, and opened as a reviewer would (no network, no scripts).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ev-report-html').first().click()]);
    const reportHtml = fs.readFileSync(await download.path(), 'utf8');
    expect(reportHtml).toContain('R. Diaz');
    const reportFile = path.join(s.dataDir, 'report-as-downloaded.html');
    fs.writeFileSync(reportFile, reportHtml);
    const reportPage = await context.newPage();
    await reportPage.setViewportSize({ width: 1000, height: 1400 });
    await reportPage.goto(`file://${reportFile}`);
    await expect.poll(() => reportPage.locator('h1').textContent()).toBeTruthy();
    await reportPage.screenshot({ path: path.join(ARTIFACTS, 'release-report.png'), fullPage: true });
    await reportPage.close();

    const { releases } = await engine.call('gate.get', {});
    expect(releases[0]).toMatchObject({ decision: 'overridden', reviewer: 'R. Diaz', modelId: base.id, adapterIds: [adapter.id] });
    const log = await engine.call('audit.list', { limit: 50 });
    expect(log.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['eval.start', 'eval.finish', 'gate.criteria.set', 'release.override']));
    expect(problems).toEqual([]);
    await context.close();

    const dark = await openApp(s.browser, s.server.url, 'dark', '#/evaluate');
    await expect.poll(() => dark.page.getByTestId('ev-row').count()).toBe(4);
    await shot(dark.page, 'evaluate-dark');
    await dark.context.close();
  });
});
