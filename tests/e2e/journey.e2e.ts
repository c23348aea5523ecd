import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, ROOT, waitForDoctor, watchProblems } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Issue 19's acceptance journey: from an empty data folder to a released export, through the UI only, as a domain
 * expert would do it with the mouse (typing where a person types: a path, a name, a number). One browser-mode
 * session: real engine, real llama.cpp, the real PyTorch trainer on CPU, the tiny test model.
 *
 *   Datasets  import the Northwind sample with the wizard, split off a test share with the curate dialog
 *   Models    register the tiny HF model through "Import model" and the folder browser, convert it to GGUF Q8_0
 *   Train     base model + the split version, a few steps on CPU; the run page shows it completed
 *   Models    convert the run's adapter to a GGUF LoRA (Evaluate runs GGUF in llama.cpp)
 *   Evaluate  base and tuned on the test split in one go, then Compare
 *   Export    the adapter as GGUF Q8_0 only; the export is a draft
 *   Release   evaluate the exported file, set a criterion, pick the file as what ships, release with confirmation
 *   Lineage   from the export: run, data versions, base model upstream; the registered file and the release downstream
 *   Audit     each family finds its entries, in the order import → run → eval → export → release
 *
 * Screenshots at 1440×900 light during the journey, then the same pages again at 1024×700 dark, 1440×900 dark and
 * 1024×700 light: test-artifacts/e2e/journey-<step>-<size>-<theme>.png.
 */

const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const TINY_HF = path.join(path.dirname(TINY_GGUF), 'hf');
const SAMPLE = path.join(ROOT, 'resources/samples/northwind-qa.jsonl');

type Theme = 'light' | 'dark';
interface Size { width: number; height: number }
const LARGE: Size = { width: 1440, height: 900 };
const SMALL: Size = { width: 1024, height: 700 };

let s: E2eSession;

beforeAll(async () => {
  if (!fs.existsSync(path.join(TINY_HF, 'config.json'))) throw new Error(`The tiny model is missing at ${TINY_HF}: run \`npm run demo\`.`);
  s = await startE2eSession('lathe-e2e-journey-');
  // The person has put the model folder where Lathe may browse: the data folder's incoming/.
  fs.cpSync(TINY_HF, path.join(s.dataDir, 'incoming', 'tiny-llama'), { recursive: true });
}, 120_000);

afterAll(async () => {
  if (!s) return;
  const { runs } = await s.server.engine.call('runs.list', {});
  for (const r of runs) if (r.status === 'running' || r.status === 'queued') await s.server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
  await s.close();
});

async function open(browser: Browser, theme: Theme, size: Size, hash = '#/datasets') {
  const context = await browser.newContext({ viewport: size, colorScheme: theme });
  const page = await context.newPage();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const problems = watchProblems(page, s.server.url);
  expect((await page.goto(s.server.url + hash))?.status()).toBe(200);
  await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
  await waitForDoctor(page);
  return { context, page, problems };
}

/** What the person sees: the viewport at its size, nothing grown; toasts closed first unless they are the point. */
async function snap(page: Page, step: string, theme: Theme, keepToasts = false): Promise<void> {
  const { width, height } = page.viewportSize()!;
  if (!keepToasts) for (const dismiss of await page.getByRole('button', { name: 'Dismiss', exact: true }).all()) await dismiss.click().catch(() => undefined);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, `journey-${step}-${width}x${height}-${theme}.png`) });
}

async function nav(page: Page, id: string, title: string): Promise<void> {
  await page.getByTestId(`nav-${id}`).click();
  await expect.poll(() => page.getByTestId('page-title').first().textContent()).toBe(title);
}

const toast = (page: Page, text: RegExp) => expect.poll(async () => (await page.locator('body').textContent()) ?? '').toMatch(text);
const modelByName = async (name: string) => (await s.server.engine.call('models.list', {})).models.find((m) => m.name === name);
const modelRow = (page: Page, name: string) => page.getByTestId('model-row').filter({ has: page.locator('td.model-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

/** Open a model's drawer from its row (unless it is open), convert it with the mouse, wait for the child in its lineage, close. */
async function convertInDrawer(page: Page, name: string, outtype: string): Promise<void> {
  if (!(await page.getByTestId('model-drawer').isVisible())) await modelRow(page, name).click();
  const drawer = page.getByTestId('model-drawer');
  await drawer.waitFor({ state: 'visible' });
  await expect.poll(() => drawer.getByTestId('model-sha').textContent()).toMatch(/^[0-9a-f]{64}$/);
  await drawer.getByTestId('convert-outtype').selectOption(outtype);
  await drawer.getByTestId('convert-start').click();
  await expect.poll(() => drawer.getByTestId('model-lineage').textContent(), { timeout: 180_000, interval: 500 }).toContain(`${name} · ${outtype}`);
}

async function closeDrawer(page: Page): Promise<void> {
  await page.getByTestId('model-drawer').getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByTestId('model-drawer').waitFor({ state: 'detached' });
}

describe('the whole journey (browser mode, real engine, trainer and llama.cpp)', () => {
  const ids: Record<string, string> = {};

  it('goes from an empty data folder to a released export, and traces it in lineage and the audit log', async () => {
    const started = Date.now();
    const lap = (what: string) => console.log(`[journey] ${what} at ${Math.round((Date.now() - started) / 1000)} s`);
    const { context, page, problems } = await open(s.browser, 'light', LARGE);
    try {
      // ── Datasets: an empty library, the import wizard, then a split with the curate dialog.
      await page.getByTestId('datasets-import').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('first-steps-progress').textContent()).toBe('0 of 6 done');
      expect(await page.getByTestId('dataset-row').count()).toBe(0);
      await page.getByTestId('datasets-import').click();
      await page.getByTestId('import-path').fill(SAMPLE);
      await page.getByTestId('import-detect').click();
      await page.getByTestId('detect-summary').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('detect-summary').getAttribute('aria-busy')).toBe('false');
      await page.getByTestId('import-name').fill('Northwind operations Q&A');
      await page.getByTestId('import-continue').click();
      await page.getByTestId('import-start').click();
      await page.getByTestId('import-result').waitFor({ state: 'visible', timeout: 60_000 });
      expect(await page.getByTestId('import-rows').textContent()).toBe('66');
      expect(await page.getByTestId('import-version').textContent()).toBe('v1');
      await page.getByTestId('import-open-dataset').click();
      await page.getByTestId('import-wizard').waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v1 · 66');

      await page.getByTestId('curate-split').click();
      await page.getByTestId('curate-dialog').waitFor({ state: 'visible' });
      await page.getByTestId('split-validation').fill('0');
      await page.getByTestId('split-test').fill('10');
      await expect.poll(() => page.getByTestId('split-preview').textContent()).toMatch(/^59 train, 0 validation and 7 test examples/);
      await page.getByTestId('curate-confirm').click();
      await page.getByTestId('curate-dialog').waitFor({ state: 'detached' });
      await toast(page, /Version 2: removed 0/);
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v2 · 66');
      await expect.poll(() => page.getByTestId('version-row').count()).toBe(2);
      expect(await page.getByTestId('version-row').first().textContent()).toContain('Split');
      await expect.poll(async () => new Set(await page.getByTestId('split-badge').evaluateAll((els) => els.map((e) => e.getAttribute('data-split'))))).toContain('test');
      await snap(page, 'datasets', 'light', true);
      lap('dataset imported and split');

      // ── Models: "Import model", the folder browser inside the data folder, then GGUF Q8_0 for llama.cpp.
      await nav(page, 'models', 'Models');
      await page.getByTestId('model-import-open').click();
      const dialog = page.getByTestId('model-import-dialog');
      await dialog.getByTestId('folder-browser').waitFor({ state: 'visible' });
      await dialog.getByTestId('folder-root').filter({ hasText: 'Lathe data' }).click();
      await expect.poll(() => dialog.getByTestId('folder-current').getAttribute('title')).toBe(fs.realpathSync(s.dataDir));
      await dialog.locator('[data-testid="folder-entry"][data-name="incoming"]').click();
      const entry = dialog.locator('[data-testid="folder-entry"][data-name="tiny-llama"]');
      await entry.waitFor({ state: 'visible' });
      expect(await entry.getAttribute('data-kind')).toBe('model');
      await entry.click();
      await expect.poll(() => dialog.getByTestId('model-inspection').textContent()).toMatch(/LlamaForCausalLM/);
      await dialog.getByTestId('model-import-name').fill('tiny-llama');
      await snap(page, 'models-import', 'light');
      await dialog.getByTestId('model-import-register').click();
      await dialog.waitFor({ state: 'detached', timeout: 60_000 });
      // Registered: its drawer opens; convert it to GGUF Q8_0 there (Evaluate and the Playground run GGUF).
      await page.getByTestId('model-drawer').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('model-drawer').locator('.drawer-title').textContent()).toContain('tiny-llama');
      await convertInDrawer(page, 'tiny-llama', 'Q8_0');
      await snap(page, 'models-drawer', 'light');
      await closeDrawer(page);
      await expect.poll(() => page.getByTestId('model-row').count()).toBe(2);
      ids.base = (await modelByName('tiny-llama'))!.id;
      ids.baseGguf = (await modelByName('tiny-llama · Q8_0'))!.id;
      lap('base model registered and converted');

      // ── Train: the registered model, the split version (the newest), a tiny run on CPU.
      await nav(page, 'train', 'Train');
      await page.getByTestId('train-form').waitFor({ state: 'visible' });
      await expect.poll(() => page.locator(`[data-testid="train-base-model"] option[value="${ids.base}"]`).count()).toBe(1);
      await page.getByTestId('train-base-model').selectOption(ids.base);
      await expect.poll(() => page.getByTestId('train-version').locator('option:checked').textContent()).toMatch(/^v2 · 66 examples · latest$/);
      await page.getByTestId('train-name').fill('northwind-lora');
      await page.getByTestId('train-advanced-toggle').click();
      await page.getByTestId('train-advanced').waitFor({ state: 'visible' });
      for (const [key, value] of Object.entries({ maxSteps: '6', lr: '0.01', loraRank: '4', maxSeqLen: '128', microBatchSize: '2' })) await page.getByTestId(`train-field-${key}`).fill(value);
      await page.getByTestId('train-field-device').selectOption('cpu');
      await expect.poll(() => page.getByTestId('train-estimate').getAttribute('data-fits'), { timeout: 30_000 }).toBe('true');
      await expect.poll(() => page.getByTestId('train-launch').isEnabled(), { timeout: 30_000 }).toBe(true);
      await page.getByTestId('train-launch').scrollIntoViewIfNeeded();
      await snap(page, 'train', 'light');
      await page.getByTestId('train-launch').click();
      await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
      ids.run = (await page.evaluate(() => window.location.hash)).split('/')[2]!;
      const runStatus = () => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status');
      await expect.poll(runStatus, { timeout: 300_000, interval: 500 }).toBe('completed');
      await page.getByTestId('run-registered-model-link').waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => page.getByTestId('run-timing').textContent()).toMatch(/^Took .+ · estimated .+/);
      await snap(page, 'run', 'light');
      lap('run completed');

      // ── Models: the run registered its adapter; Evaluate needs it as a GGUF LoRA.
      await page.getByTestId('run-registered-model-link').click();
      await expect.poll(() => page.getByTestId('page-title').first().textContent()).toBe('Models');
      await expect.poll(() => modelRow(page, 'northwind-lora').count()).toBe(1);
      await convertInDrawer(page, 'northwind-lora', 'F16');
      expect(await page.getByTestId('model-drawer').getByTestId('model-lineage').textContent()).toContain('Made from tiny-llama');
      await closeDrawer(page);
      await expect.poll(() => page.getByTestId('model-row').count()).toBe(4);
      await snap(page, 'models', 'light');
      ids.adapter = (await modelByName('northwind-lora'))!.id;
      ids.lora = (await modelByName('northwind-lora · F16'))!.id;
      lap('adapter converted');

      // ── Evaluate: base and tuned on the test split in one go, then Compare.
      await nav(page, 'evaluate', 'Evaluate');
      await expect.poll(() => page.getByTestId('ev-run').isEnabled()).toBe(true);
      await page.getByTestId('ev-model').selectOption(ids.baseGguf);
      await page.getByTestId('ev-adapter').selectOption(ids.lora);
      await expect.poll(() => page.getByTestId('ev-version').locator('option:checked').textContent()).toBe('v2 · 66 examples');
      expect(await page.getByTestId('ev-split').inputValue()).toBe('test');
      await page.getByTestId('ev-max-tokens').fill('12');
      expect(await page.getByTestId('ev-with-base').isChecked()).toBe(true);
      expect(await page.getByTestId('ev-run').textContent()).toBe('Run base and tuned');
      await page.getByTestId('ev-run').click();
      await expect.poll(() => page.getByTestId('ev-row').count(), { timeout: 180_000, interval: 500 }).toBe(2);
      await expect.poll(() => page.getByTestId('ev-run').isEnabled(), { timeout: 180_000, interval: 500 }).toBe(true);
      expect(await page.getByTestId('ev-list').textContent()).not.toMatch(/Failed|Cancelled/);
      await page.getByTestId('ev-compare').click();
      await expect.poll(() => page.getByTestId('ev-compare-counts').textContent()).toMatch(/^7 paired items · \d+ better · \d+ unchanged · \d+ worse on Token F1$/);
      await page.getByTestId('ev-comparison').scrollIntoViewIfNeeded();
      await snap(page, 'evaluate', 'light');
      lap('base and tuned evaluated');

      // ── Export: the adapter, GGUF Q8_0 only (the cheapest format), named; a draft when done.
      await nav(page, 'export', 'Export');
      await page.getByTestId('export-form').waitFor({ state: 'visible' });
      await page.getByTestId('export-model').selectOption(ids.adapter);
      for (const f of ['merged', 'gguf-f16', 'gguf-q4_k_m', 'modelfile']) await page.getByTestId(`export-format-${f}`).uncheck();
      expect(await page.getByTestId('export-format-gguf-q8_0').isChecked()).toBe(true);
      await page.getByTestId('export-name').fill('Northwind assistant');
      await page.getByTestId('export-run').click();
      const card = page.getByTestId('export-card').first();
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 300_000, interval: 1000 }).toBe('draft');
      expect(await card.getByTestId('export-status').textContent()).toBe('Draft');
      expect(await card.getByTestId('export-files').textContent()).toContain('northwind-assistant-q8_0.gguf');
      expect(await card.getByTestId('export-gguf-check').count()).toBe(1);
      await snap(page, 'export-draft', 'light');
      const exp = (await s.server.engine.call('exports.list', {})).exports[0]!;
      expect(exp).toMatchObject({ name: 'Northwind assistant', status: 'draft', releaseState: 'draft' });
      ids.export = exp.id;
      ids.shipped = (await modelByName('Northwind assistant · Q8_0'))!.id;
      lap('exported');

      // ── Release: the gate binds to the exported bytes, so that file is evaluated itself, then released.
      await nav(page, 'evaluate', 'Evaluate');
      await expect.poll(() => page.getByTestId('ev-run').isEnabled()).toBe(true);
      await page.getByTestId('ev-model').selectOption(ids.shipped);
      expect(await page.getByTestId('ev-adapter').inputValue()).toBe('');
      await expect.poll(() => page.getByTestId('ev-version').locator('option:checked').textContent()).toBe('v2 · 66 examples');
      expect(await page.getByTestId('ev-run').textContent()).toBe('Run evaluation');
      await page.getByTestId('ev-run').click();
      await expect.poll(() => page.getByTestId('ev-row').count(), { timeout: 120_000, interval: 500 }).toBe(3);
      await expect.poll(() => page.getByTestId('ev-run').isEnabled(), { timeout: 120_000, interval: 500 }).toBe(true);
      // The project's criterion: token F1 of at least 0 on the test split (the tiny model's scores are noise).
      await page.getByTestId('ev-crit-kind').selectOption('min-score');
      await page.getByTestId('ev-crit-points').fill('0');
      await page.getByTestId('ev-crit-add').click();
      await expect.poll(() => page.getByTestId('ev-criteria').textContent()).toMatch(/token F1 ≥ 0/);
      await page.getByTestId('ev-ship').selectOption(`${ids.export}/northwind-assistant-q8_0.gguf`);
      await expect.poll(() => page.getByTestId('ev-artefact').textContent()).toMatch(/northwind-assistant-q8_0\.gguf/);
      await expect.poll(() => page.getByTestId('ev-verdict').textContent()).toMatch(/Passes the release gate/);
      await page.getByTestId('ev-release').click();
      const release = page.getByTestId('release-dialog');
      await release.waitFor({ state: 'visible' });
      const facts = (await page.getByTestId('release-facts').textContent()) ?? '';
      for (const must of ['Northwind assistant · Q8_0', 'northwind-assistant-q8_0.gguf', 'Passes 1 of 1 criterion']) expect(facts, must).toContain(must);
      expect(await page.getByTestId('release-confirm').isEnabled()).toBe(false); // no meaning chosen yet
      await page.getByTestId('release-reviewer').fill('Dana Reviewer');
      await page.getByTestId('release-meaning').first().check();
      await expect.poll(() => page.getByTestId('release-confirm').isEnabled()).toBe(true);
      await snap(page, 'release-dialog', 'light');
      await page.getByTestId('release-confirm').click();
      await release.waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('ev-released').textContent()).toMatch(/Released by Dana Reviewer at .*ships northwind-assistant-q8_0\.gguf/);
      expect(await page.getByTestId('ev-release').count()).toBe(0);
      await page.getByTestId('ev-released').evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await snap(page, 'released', 'light');

      await nav(page, 'export', 'Export');
      await expect.poll(() => card.getByTestId('export-status').textContent()).toBe('Released');
      expect(await card.getAttribute('data-release')).toBe('released');
      await expect.poll(() => card.getByTestId('export-release').textContent()).toMatch(/Passed the release gate — ships northwind-assistant-q8_0\.gguf/);
      await snap(page, 'export-released', 'light');
      lap('released');

      // ── Lineage, from the export's card: its adapter, the run, the data versions and the base upstream; the
      // registered file and the release downstream.
      await card.getByTestId('export-lineage').click();
      await page.getByTestId('lineage-graph').waitFor({ state: 'visible' });
      await expect.poll(() => page.locator('.lineage-card.is-focus').textContent()).toContain('Northwind assistant');
      // The export reads as the Export page shows it: released, not the export job's own "draft".
      expect(await page.locator('.lineage-card.is-focus .lineage-kind').textContent()).toBe('Export · released');
      const labels = async (kind: string) => page.getByTestId(`lineage-node-${kind}`).locator('.lineage-label').allTextContents();
      await expect.poll(() => labels('run')).toEqual(['northwind-lora']);
      expect(await labels('model')).toEqual(expect.arrayContaining(['northwind-lora', 'tiny-llama', 'Northwind assistant · Q8_0']));
      expect(await labels('version')).toEqual(expect.arrayContaining(['Northwind operations Q&A v1', 'Northwind operations Q&A v2']));
      expect(await labels('release')).toEqual(['Released']);
      expect(await page.getByTestId('lineage-facts').textContent()).toContain('northwind-assistant-q8_0.gguf');
      await snap(page, 'lineage', 'light');
      // Walk back to the data: the run, then the version it trained on.
      await page.getByTestId('lineage-node-run').click();
      await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/lineage/run/${ids.run}`);
      await expect.poll(() => page.getByTestId('lineage-facts').textContent()).toMatch(/Steps\s*6/);
      lap('lineage');

      // ── Audit: every family finds this journey's entries.
      await nav(page, 'audit', 'Audit log');
      const rows = page.getByTestId('audit-row');
      const actions = () => rows.locator('.action-pill').allTextContents();
      await expect.poll(actions).toContain('release');
      for (const [family, want] of [
        ['imports', ['dataset.import', 'model.import']],
        ['edits', ['dataset.curate.split']],
        ['models', ['model.convert']],
        ['runs', ['run.start', 'run.completed']],
        ['evals', ['eval.start', 'eval.finish']],
        ['exports', ['export.create']],
        ['releases', ['gate.criteria.set', 'release']],
      ] as const) {
        await page.getByTestId(`audit-family-${family}`).click();
        await expect.poll(async () => [...new Set(await actions())], { timeout: 15_000 }).toEqual(expect.arrayContaining([...want]));
      }
      // The whole log, oldest first: the chain of the journey in order.
      await page.getByTestId('audit-family-all').click();
      await expect.poll(async () => (await actions()).length).toBeGreaterThan(10);
      const chain = (await actions()).reverse();
      const first = (a: string) => chain.indexOf(a);
      const order = ['dataset.import', 'dataset.curate.split', 'model.import', 'model.convert', 'run.start', 'run.completed', 'eval.finish', 'export.create', 'release'];
      for (const a of order) expect(first(a), a).toBeGreaterThanOrEqual(0);
      expect(order.map(first)).toEqual(order.map(first).sort((x, y) => x - y));
      await page.getByTestId('audit-verify').click();
      await expect.poll(() => page.getByTestId('audit-verify-result').textContent()).toContain('Chain intact');
      await snap(page, 'audit', 'light');
      lap('audit');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 600_000);

  it('shows the same pages at 1024×700 and 1440×900 in both themes', async () => {
    for (const [theme, size] of [['dark', SMALL], ['dark', LARGE], ['light', SMALL]] as const) {
      const { context, page, problems } = await open(s.browser, theme, size);
      try {
        // Nothing sideways on any page: the main column never scrolls horizontally.
        const fits = () => page.evaluate(() => {
          const main = document.querySelector('.main');
          return !main || main.scrollWidth <= main.clientWidth + 1;
        });
        await page.getByTestId('dataset-row').first().click();
        await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v2 · 66');
        expect(await fits(), `datasets ${theme} ${size.width}`).toBe(true);
        await snap(page, 'datasets', theme);

        await nav(page, 'models', 'Models');
        await expect.poll(() => page.getByTestId('model-row').count()).toBe(5); // base, its Q8_0, the adapter, its LoRA GGUF, the exported GGUF
        expect(await fits(), `models ${theme} ${size.width}`).toBe(true);
        await snap(page, 'models', theme);

        await nav(page, 'runs', 'Runs');
        await page.getByTestId('run-row').first().click();
        await expect.poll(() => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status')).toBe('completed');
        await page.getByTestId('chart-loss').waitFor({ state: 'visible' });
        expect(await fits(), `run ${theme} ${size.width}`).toBe(true);
        await snap(page, 'run', theme);

        await nav(page, 'evaluate', 'Evaluate');
        await expect.poll(() => page.getByTestId('ev-row').count()).toBe(3);
        await expect.poll(() => page.getByTestId('ev-compare').isEnabled()).toBe(true);
        await page.getByTestId('ev-compare').click();
        await expect.poll(() => page.getByTestId('ev-compare-counts').textContent()).toMatch(/^7 paired items/);
        await page.getByTestId('ev-comparison').scrollIntoViewIfNeeded();
        expect(await fits(), `evaluate ${theme} ${size.width}`).toBe(true);
        await snap(page, 'evaluate', theme);

        await nav(page, 'export', 'Export');
        await expect.poll(() => page.getByTestId('export-status').first().textContent()).toBe('Released');
        expect(await fits(), `export ${theme} ${size.width}`).toBe(true);
        await snap(page, 'export-released', theme);

        await page.getByTestId('export-lineage').first().click();
        await expect.poll(() => page.getByTestId('lineage-node-release').count()).toBe(1);
        expect(await fits(), `lineage ${theme} ${size.width}`).toBe(true);
        await snap(page, 'lineage', theme);

        await nav(page, 'audit', 'Audit log');
        await expect.poll(() => page.getByTestId('audit-row').count()).toBeGreaterThan(10);
        expect(await fits(), `audit ${theme} ${size.width}`).toBe(true);
        await snap(page, 'audit', theme);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }
  }, 180_000);
});
