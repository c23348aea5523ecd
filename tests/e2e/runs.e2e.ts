import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { launchChromium } from './browser.js';
import { ARTIFACTS, RENDERER_DIR, ROOT, openApp, mainShot as shot } from './datasets-page.js';

/** Train → live run → stop → resume → stop, against the real engine, the Python trainer (CPU) and the tiny model. */

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const BASE_MODEL = path.join(path.dirname(TINY_GGUF), 'hf');

let dataDir: string;
let server: Server;
let browser: Browser;
let baseModelId: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error('renderer/dist is missing: run `npm run build:renderer` (npm run test:e2e does it first).');
  }
  if (!fs.existsSync(path.join(BASE_MODEL, 'config.json'))) {
    throw new Error(`The tiny model is missing at ${BASE_MODEL}: run \`npm run demo\` to build it.`);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-runs-'));
  server = await startBrowserServer({ dataDir, rendererDir: RENDERER_DIR, mode: 'test' });
  await server.engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'northwind-qa' });
  baseModelId = (await server.engine.call('models.import', { path: BASE_MODEL, name: 'tiny-llama' })).model.id;
  browser = await launchChromium();
});

afterAll(async () => {
  // Stop anything still training so the trainer does not outlive the test.
  if (server) {
    const { runs } = await server.engine.call('runs.list', {});
    for (const r of runs) if (r.status === 'running') await server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
  }
  await browser?.close();
  await server?.close();
  if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
});


/**
 * After each test: no run of it may hold the CPU slot for the next one (a failed test left its 300-step run
 * training, and the three tests after it waited behind it in the queue). On a failure, every run's status and
 * newest events are printed as `[why]` lines, which `npm test`'s summary repeats.
 */
afterEach(async (ctx) => {
  const { runs } = await server.engine.call('runs.list', {});
  if (ctx.task.result?.state === 'fail') {
    for (const r of runs) {
      console.log(`[why] run ${r.id.slice(0, 8)} "${r.name}": ${r.status}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`);
      for (const e of r.events.slice(-6)) console.log(`[why]   ${e.kind}: ${e.message}`);
    }
  }
  for (const r of runs) if (r.status === 'running' || r.status === 'queued') await server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
  await expect.poll(async () => (await server.engine.call('runs.list', {})).runs.filter((r) => r.status === 'running' || r.status === 'queued').length, { timeout: 120_000, interval: 500 }).toBe(0);
}, 150_000);

const points = async (page: Page) => Number((await page.getByTestId('chart-loss').getAttribute('data-points')) ?? 0);
const status = (page: Page) => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status');

async function fillAdvanced(page: Page, values: Record<string, string>): Promise<void> {
  await page.getByTestId('train-advanced-toggle').click();
  await page.getByTestId('train-advanced').waitFor({ state: 'visible' });
  for (const [key, value] of Object.entries(values)) await page.getByTestId(`train-field-${key}`).fill(value);
  await page.getByTestId('train-field-device').selectOption('cpu');
}

describe('runs', () => {
  it('launches a run from Train, watches it live, stops, resumes and stops again', async () => {
    const { context, page, problems } = await openApp(browser, server.url, 'light', '#/train');
    const dark = await openApp(browser, server.url, 'dark', '#/train');
    try {
      // The form: the dataset is picked (newest, latest version), LoRA + SFT + Quick are the defaults.
      await page.getByTestId('train-form').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('train-version').inputValue()).not.toBe('');
      expect(await page.getByTestId('train-dataset').textContent()).toContain('northwind-qa');
      expect(await page.getByTestId('train-method-lora').getAttribute('aria-checked')).toBe('true');
      expect(await page.getByTestId('train-method').textContent()).toContain('QLoRA');
      expect(await page.getByTestId('train-method-hint').textContent()).toContain('QLoRA needs an NVIDIA GPU');
      expect(await page.getByTestId('train-form').textContent()).toContain('From the model registry');
      await expect.poll(() => page.getByTestId('train-preset-quick').getAttribute('aria-checked')).toBe('true');
      expect(await page.getByTestId('train-preset-why').textContent()).toMatch(/passes over 66 examples/);
      expect(await page.getByTestId('train-launch').isDisabled()).toBe(true);
      expect(await page.getByTestId('train-estimate').textContent()).toContain('Choose a base model');
      expect(await page.getByTestId('train-launch-reason').textContent()).toBe('Choose a base model from the registry, or import one.');

      // A preset fills the settings; editing one by hand makes them custom.
      await page.getByTestId('train-preset-balanced').click();
      expect(await page.getByTestId('train-preset-balanced').getAttribute('aria-checked')).toBe('true');
      await page.getByTestId('train-base-model').selectOption(baseModelId);
      await page.getByTestId('train-name').fill('northwind tiny lora');
      await fillAdvanced(page, { maxSteps: '300', lr: '0.01', loraRank: '4', maxSeqLen: '256', microBatchSize: '2', gradAccum: '1', checkpointEvery: '5', evalEvery: '0' });
      expect(await page.getByTestId('train-preset-balanced').getAttribute('aria-checked')).toBe('false');
      // The estimate: the tiny model's parameters from its config.json, memory against this machine, a time.
      await expect.poll(() => page.getByTestId('train-estimate').getAttribute('data-fits'), { timeout: 30_000 }).toBe('true');
      const estimate = (await page.getByTestId('train-estimate').textContent()) ?? '';
      expect(estimate).toMatch(/Needs about [\d.]+ (MiB|GiB)/);
      expect(estimate).toContain('158k parameters');
      expect(estimate).toMatch(/Largest that fits/);
      expect(await page.getByTestId('estimate-time').textContent()).toMatch(/tokens\/s/);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await shot(page, 'runs-train-light');
      await dark.page.getByTestId('train-form').waitFor({ state: 'visible' });
      await expect.poll(() => dark.page.locator(`[data-testid="train-base-model"] option[value="${baseModelId}"]`).count()).toBe(1);
      await dark.page.getByTestId('train-base-model').selectOption(baseModelId);
      await dark.page.getByTestId('train-advanced-toggle').click();
      await shot(dark.page, 'runs-train-dark');

      // Launch: the run page opens and the loss curve grows as steps arrive.
      await page.getByTestId('train-launch').click();
      await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
      const runId = (await page.evaluate(() => window.location.hash)).split('/')[2]!;
      await page.getByTestId('run-detail').waitFor({ state: 'visible' });
      expect(await status(page)).toBe('running');
      expect(await page.getByTestId('page-title').textContent()).toBe('northwind tiny lora');
      await expect.poll(() => points(page), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(3);
      const before = await points(page);
      await expect.poll(() => points(page), { timeout: 60_000, interval: 250 }).toBeGreaterThan(before + 2);
      expect(await page.getByTestId('chart-loss').locator('path.recharts-line-curve').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('run-config').textContent()).toContain('LoRA');
      await shot(page, 'runs-live-light');
      await dark.page.goto(`${server.url}#/runs/${runId}`);
      await expect.poll(() => points(dark.page), { timeout: 30_000, interval: 250 }).toBeGreaterThan(3);
      await shot(dark.page, 'runs-live-dark');

      // The list shows it, live.
      await page.getByTestId('run-back').click();
      const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
      await row.waitFor({ state: 'visible' });
      expect(await row.getByTestId('run-status').getAttribute('data-status')).toBe('running');
      await shot(page, 'runs-list-light');
      await row.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('run-detail').waitFor({ state: 'visible' });

      // Stop: a checkpoint, then "stopped".
      await page.getByTestId('run-stop').click();
      await expect.poll(() => status(page), { timeout: 60_000 }).toBe('stopped');
      await expect.poll(() => page.getByTestId('checkpoint-row').count()).toBeGreaterThan(0);
      const stoppedAt = await points(page);
      await shot(page, 'runs-stopped-light');
      await expect.poll(() => status(dark.page), { timeout: 15_000 }).toBe('stopped');
      await shot(dark.page, 'runs-stopped-dark');

      // Resume: running again from the checkpoint, new steps arrive; then stop for good.
      await page.getByTestId('run-resume').click();
      await expect.poll(() => status(page), { timeout: 30_000 }).toBe('running');
      await expect.poll(() => points(page), { timeout: 120_000, interval: 250 }).toBeGreaterThan(stoppedAt);
      await page.getByTestId('run-stop').click();
      await expect.poll(() => status(page), { timeout: 60_000 }).toBe('stopped');
      expect(await page.getByTestId('run-resume').isEnabled()).toBe(true);

      expect(problems).toEqual([]);
      expect(dark.problems).toEqual([]);
    } finally {
      await context.close();
      await dark.context.close();
    }
  }, 300_000);

  it('queues a second CPU run, cancels it, and retries a stopped run with new settings; events are listed', async () => {
    const versionId = (await server.engine.call('datasets.list', {})).datasets[0]!.latestVersion!.id;
    const settings = { baseModelDir: BASE_MODEL, datasetVersionId: versionId, lr: 0.01, loraRank: 4, maxSeqLen: 256, microBatchSize: 2, device: 'cpu' as const };
    const a = await server.engine.call('runs.start', { name: 'long run', ...settings, maxSteps: 5000, checkpointEvery: 0 });
    const b = await server.engine.call('runs.start', { name: 'waiting run', ...settings, maxSteps: 4 });
    expect(b.status).toBe('queued');
    const { context, page, problems } = await openApp(browser, server.url, 'light', `#/runs/${b.id}`);
    try {
      await expect.poll(() => status(page)).toBe('queued');
      expect(await page.getByTestId('run-queued').textContent()).toMatch(/number 1 in the queue for cpu/);
      expect(await page.getByTestId('run-event').first().getAttribute('data-kind')).toBe('queued');
      await shot(page, 'runs-queued-light');
      await page.getByTestId('run-cancel').click();
      await expect.poll(() => status(page)).toBe('stopped');
      await expect.poll(() => page.getByTestId('run-event').first().getAttribute('data-kind')).toBe('cancelled');

      // Stop the long run, then retry it from its page with fewer steps: the Train form, filled with its settings,
      // starts a new run linked to the old one.
      await page.goto(`${server.url}#/runs/${a.id}`);
      await expect.poll(() => points(page), { timeout: 120_000, interval: 250 }).toBeGreaterThan(0);
      await page.getByTestId('run-stop').click();
      await expect.poll(() => status(page), { timeout: 60_000 }).toBe('stopped');
      await shot(page, 'runs-retry-light');
      await page.getByTestId('run-retry').click();
      await page.getByTestId('train-retry-of').waitFor({ state: 'visible' });
      await page.getByTestId('train-advanced-toggle').click();
      expect(await page.getByTestId('train-field-maxSteps').inputValue()).toBe('5000');
      await page.getByTestId('train-field-maxSteps').fill('3');
      await page.getByTestId('train-field-lr').fill('0.02');
      await expect.poll(() => page.getByTestId('train-launch').isEnabled(), { timeout: 30_000 }).toBe(true);
      await page.getByTestId('train-launch').click();
      await expect.poll(() => page.evaluate(() => window.location.hash)).not.toBe(`#/runs/${a.id}`);
      await page.getByTestId('run-retry-of').waitFor({ state: 'visible' });
      await expect.poll(() => status(page), { timeout: 90_000 }).toBe('completed');
      const kinds = await page.getByTestId('run-event').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      expect(kinds).toEqual(expect.arrayContaining(['retry', 'started', 'completed']));
      expect(await page.getByTestId('run-config').textContent()).toMatch(/0\.02/);
      await shot(page, 'runs-retried-light');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('shows why a run failed: the message, the hint and the trainer log', async () => {
    const versionId = (await server.engine.call('datasets.list', {})).datasets[0]!.latestVersion!.id;
    const bad = await server.engine.call('runs.start', { name: 'missing model', baseModelDir: path.join(dataDir, 'no-such-model'), datasetVersionId: versionId, maxSteps: 5, device: 'cpu' });
    const { context, page, problems } = await openApp(browser, server.url, 'light', `#/runs/${bad.id}`);
    try {
      await expect.poll(() => status(page), { timeout: 60_000 }).toBe('failed');
      const alert = page.getByTestId('run-error');
      await alert.waitFor({ state: 'visible' });
      expect(await alert.textContent()).toMatch(/model/i);
      expect(await page.getByTestId('run-resume').count()).toBe(0);
      await shot(page, 'runs-failed-light');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('overlays another run’s loss curve for comparison', async () => {
    const versionId = (await server.engine.call('datasets.list', {})).datasets[0]!.latestVersion!.id;
    const settings = { baseModelDir: BASE_MODEL, datasetVersionId: versionId, maxSteps: 4, lr: 0.01, loraRank: 4, maxSeqLen: 256, microBatchSize: 2, device: 'cpu' as const };
    const a = await server.engine.call('runs.start', { name: 'lr 1e-2', ...settings });
    const b = await server.engine.call('runs.start', { name: 'lr 1e-3', ...settings, lr: 0.001 });
    const { context, page, problems } = await openApp(browser, server.url, 'light', `#/runs/${a.id}`);
    try {
      await expect.poll(() => status(page), { timeout: 90_000 }).toBe('completed');
      await page.getByTestId('run-compare').selectOption(b.id);
      await expect.poll(() => page.getByTestId('chart-loss').textContent(), { timeout: 90_000 }).toContain('lr 1e-3 (train)');
      await expect.poll(() => page.getByTestId('chart-loss').locator('path.recharts-line-curve').count(), { timeout: 90_000 }).toBe(2);
      await shot(page, 'runs-compare-light');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
