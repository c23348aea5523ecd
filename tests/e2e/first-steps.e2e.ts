import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalQueries } from '../../src/engine/db/queries/evals.js';
import { exportQueries } from '../../src/engine/db/queries/exports.js';
import { modelQueries } from '../../src/engine/db/queries/models.js';
import { playgroundQueries } from '../../src/engine/db/queries/playground.js';
import { runQueries } from '../../src/engine/db/queries/runs.js';
import type { Engine } from '../../src/engine/engine.js';
import { ARTIFACTS, ROOT, waitForDoctor, watchProblems } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * The getting-started checklist (issue 19 item 11) on a fresh data folder: 0 of 6, then 1 of 6 with Import checked
 * as soon as an import lands (no reload: the audit event), links that go to each step's page (Import data also opens
 * the import dialog), collapse, hide and bring back (remembered across reloads), axe-clean in both themes, and the
 * one-time congratulation once everything is done. Screenshots: test-artifacts/e2e/first-steps-*.png.
 */
const AXE_SOURCE: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const SAMPLE = path.join(ROOT, 'resources/samples/northwind-qa.jsonl');

let s: E2eSession;
beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-first-steps-');
});
afterAll(async () => s?.close());

async function open(browser: Browser, theme: 'light' | 'dark', width: number, height: number, hash = '#/datasets') {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: theme });
  const page = await context.newPage();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const problems = watchProblems(page, s.server.url);
  await page.goto(s.server.url + hash);
  await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
  await waitForDoctor(page);
  return { context, page, problems };
}

const card = (page: Page) => page.getByTestId('first-steps');
const progress = (page: Page) => page.getByTestId('first-steps-progress').textContent();
const doneSteps = (page: Page) =>
  page.locator('[data-testid^="first-step-"][data-done="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('first-step-', '')));

async function picture(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, `first-steps-${name}.png`) });
}

/** axe (WCAG 2.1 A/AA) on the card alone; one line per failing element. */
async function axeOnCard(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run({ include: [['[data-testid="first-steps"]']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}

/** Rows for every step after the import, through the queries module (training and exporting for real take minutes). */
function finishEveryStep(engine: Engine, versionId: string): void {
  const db = engine.ctx.db!;
  const now = new Date().toISOString();
  const base = { id: randomUUID(), name: 'grid-base', kind: 'base', format: 'hf', path: '/models/grid-base', sha256: randomUUID(), size_bytes: 1,
    architecture: 'llama', parameters: null, context_length: null, quantization: null, chat_template: null, license: null, details: '{}',
    parent_id: null, run_id: null, copied: 0, created_at: now, created_by: 'e2e' } as const;
  modelQueries(db).insert(base);
  const runId = randomUUID();
  runQueries(db).insert({ id: runId, name: 'grid-lora', status: 'completed', config: '{}', base_model: base.path, dataset_version_id: versionId,
    output_dir: '/runs/grid-lora', pid: null, error: null, stderr_tail: null, result: null, created_at: now, updated_at: now, created_by: 'e2e',
    retry_of: null, start_args: null, slot: null });
  playgroundQueries(db).insertConversation({ id: randomUUID(), title: 'What is a feeder?', mode: 'side-by-side', system: '', settings: '{}',
    targets: '[]', created_at: now, updated_at: now, created_by: 'e2e' });
  evalQueries(db).insertEval({ id: randomUUID(), label: 'grid-lora on test', model_id: base.id, adapter_ids: '[]', dataset_version_id: versionId,
    split: 'all', settings: '{}', status: 'done', item_count: 1, error: null, created_at: now, finished_at: now, created_by: 'e2e' });
  exportQueries(db).insert({ id: randomUUID(), name: 'grid-lora', model_id: base.id, base_model_id: base.id, run_id: runId, path: '/exports/grid-lora',
    formats: '[]', status: 'draft', manifest_sha256: null, verification: '{}', error: null, created_at: now, finished_at: now, created_by: 'e2e',
    owner_pid: null, owner_boot: null, owner_start: null });
}

describe('the getting-started checklist', () => {
  let versionId = '';

  it('tracks progress live, links to each step, collapses, hides and comes back', async () => {
    const { context, page, problems } = await open(s.browser, 'light', 1440, 900);
    try {
      // A fresh library: open on Datasets, nothing done, Import is next.
      await card(page).waitFor({ state: 'visible' });
      await expect.poll(() => progress(page)).toBe('0 of 6 done');
      expect(await card(page).getAttribute('data-collapsed')).toBe('false');
      expect(await doneSteps(page)).toEqual([]);
      expect(await page.getByTestId('first-step-import').getAttribute('class')).toContain('is-next');
      expect(await page.getByRole('heading', { name: 'Getting started' }).count()).toBe(1);
      expect(await page.getByTestId('first-steps-show').count()).toBe(0);
      await picture(page, 'empty-light-1440x900');

      // An import made elsewhere (here: the engine itself) ticks Import off without a reload.
      const imported = await s.server.engine.call('datasets.import', { path: SAMPLE, datasetName: 'Northwind operations Q&A' });
      versionId = imported.versionId;
      await expect.poll(() => progress(page)).toBe('1 of 6 done');
      expect(await doneSteps(page)).toEqual(['import']);
      expect(await page.getByTestId('first-step-base').getAttribute('class')).toContain('is-next');
      await page.getByTestId('datasets-count').waitFor();
      await picture(page, 'one-done-light-1440x900');

      // The links go where each step is done; elsewhere the card is a one-line strip naming the next step.
      await page.getByTestId('first-step-link-base').click();
      await expect.poll(() => page.url()).toContain('#/models');
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('Models');
      await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('true');
      expect(await page.getByTestId('first-steps-list').isVisible()).toBe(false);
      // Already on the step's page: its name, not a link back to where the person is.
      expect(await page.getByTestId('first-steps-next').textContent()).toBe('Pick a base model');
      expect(await page.getByTestId('first-steps-next').evaluate((el) => el.tagName)).toBe('STRONG');
      expect(await progress(page)).toBe('1 of 6 done');
      await picture(page, 'collapsed-models-light-1440x900');
      for (const [step, hash, title] of [['train', '#/train', 'Train'], ['compare', '#/playground', 'Playground'], ['evaluate', '#/evaluate', 'Evaluate'], ['export', '#/export', 'Export']] as const) {
        await page.getByTestId('first-steps-collapse').click(); // open it to reach the step's tile
        await page.getByTestId(`first-step-link-${step}`).click();
        await expect.poll(() => page.url()).toContain(hash);
        await expect.poll(() => page.getByTestId('page-title').textContent()).toBe(title);
        await page.getByTestId('first-steps-collapse').click();
        await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('true');
      }
      // Not on a governance page, nor inside a dataset.
      await page.getByTestId('nav-audit').click();
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('Audit log');
      expect(await card(page).count()).toBe(0);
      await page.evaluate((id) => (window.location.hash = `#/datasets/${id}`), imported.datasetId);
      await page.getByTestId('curate-toolbar').waitFor();
      expect(await card(page).count()).toBe(0);

      // The choice to collapse holds everywhere, across a reload; opening it again does too.
      await page.evaluate(() => (window.location.hash = '#/datasets'));
      await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('true');
      await page.reload();
      await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('true');
      const toggle = page.getByTestId('first-steps-collapse');
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      // By keyboard: the toggle, then a step link.
      await toggle.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('false');
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      await page.getByTestId('first-step-link-train').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.url()).toContain('#/train');

      // Import data is a link to Datasets that opens the import dialog there.
      await page.getByTestId('first-step-link-import').click();
      await expect.poll(() => page.url()).toContain('#/datasets');
      await page.getByRole('dialog').waitFor({ state: 'visible' });
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      expect(await axeOnCard(page)).toEqual([]);

      // Hide: gone, and still gone after a reload; the sidebar's "Getting started" brings it back.
      await page.getByTestId('first-steps-hide').click();
      await card(page).waitFor({ state: 'detached' });
      const show = page.getByTestId('first-steps-show');
      await show.waitFor({ state: 'visible' });
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('first-steps-show');
      expect(await show.textContent()).toContain('1/6');
      await picture(page, 'hidden-light-1440x900');
      await page.reload();
      await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
      await show.waitFor({ state: 'visible' });
      await page.waitForTimeout(500);
      expect(await card(page).count()).toBe(0);
      await show.click();
      await card(page).waitFor({ state: 'visible' });
      expect(await card(page).getAttribute('data-collapsed')).toBe('false');
      expect(await show.count()).toBe(0);
      await page.reload();
      await card(page).waitFor({ state: 'visible' });
      expect(await progress(page)).toBe('1 of 6 done');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('looks right in both themes at 1440×900 and 1024×700, and passes axe', async () => {
    for (const theme of ['light', 'dark'] as const) {
      for (const [width, height] of [[1440, 900], [1024, 700]] as const) {
        const { context, page, problems } = await open(s.browser, theme, width, height);
        try {
          await card(page).waitFor({ state: 'visible' });
          await expect.poll(() => progress(page)).toBe('1 of 6 done');
          await page.getByTestId('datasets-count').waitFor();
          // Nothing sideways: the card fits the main column at both sizes.
          expect(await page.evaluate(() => document.querySelector('.main')!.scrollWidth <= document.querySelector('.main')!.clientWidth + 1)).toBe(true);
          expect(await axeOnCard(page)).toEqual([]);
          await picture(page, `datasets-${theme}-${width}x${height}`);
          await page.getByTestId('nav-train').click();
          await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('true');
          expect(await page.getByTestId('first-steps-next').getAttribute('href')).toBe('#/models');
          expect(await axeOnCard(page)).toEqual([]);
          await picture(page, `collapsed-train-${theme}-${width}x${height}`);
          expect(problems).toEqual([]);
        } finally {
          await context.close();
        }
      }
    }
  });

  it('congratulates once when every step is done, then stays away', async () => {
    const { context, page, problems } = await open(s.browser, 'dark', 1440, 900, '#/train');
    try {
      await expect.poll(() => card(page).getAttribute('data-collapsed')).toBe('true');
      finishEveryStep(s.server.engine, versionId);
      // Rows written behind the engine's back send no event: navigation is the other cue.
      await page.getByTestId('nav-datasets').click();
      await expect.poll(() => progress(page)).toBe('6 of 6 done');
      expect(await page.getByRole('heading', { name: 'You’re all set' }).count()).toBe(1);
      await page.getByTestId('first-steps-collapse').click();
      expect(await doneSteps(page)).toEqual(['import', 'base', 'train', 'compare', 'evaluate', 'export']);
      expect(await axeOnCard(page)).toEqual([]);
      await picture(page, 'all-done-dark-1440x900');
      // It stays for this visit (other pages too)…
      await page.getByTestId('nav-models').click();
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('Models');
      expect(await card(page).count()).toBe(1);
      // …and never shows again, with no way-back button cluttering the sidebar.
      await page.reload();
      await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
      await page.getByTestId('nav-datasets').click();
      await page.getByTestId('datasets-count').waitFor();
      await page.waitForTimeout(500);
      expect(await card(page).count()).toBe(0);
      expect(await page.getByTestId('first-steps-show').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
