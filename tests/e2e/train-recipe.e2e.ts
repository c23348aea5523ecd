import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { launchChromium } from './browser.js';
import { ARTIFACTS, RENDERER_DIR, ROOT, openApp, shot } from './datasets-page.js';

/** Train on a recipe from the Train page, then find the run's adapter registered as a model (real trainer, CPU). */

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const BASE_MODEL = path.join(path.dirname(TINY_GGUF), 'hf');

let dataDir: string;
let server: Server;
let browser: Browser;
let recipeId: string;
let baseModelId: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('renderer/dist is missing: run `npm run build:renderer`.');
  if (!fs.existsSync(path.join(BASE_MODEL, 'config.json'))) throw new Error(`The tiny model is missing at ${BASE_MODEL}: run \`npm run demo\`.`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-train-recipe-'));
  server = await startBrowserServer({ dataDir, rendererDir: RENDERER_DIR, mode: 'test' });
  const chat = await server.engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'northwind-qa' });
  const docs = await server.engine.call('datasets.importDocuments', { path: path.join(ROOT, 'resources/samples/corpus/northwind-01-company-and-grid.txt'), datasetName: 'manual' });
  const recipe = await server.engine.call('recipes.create', { name: 'half manual', components: [{ versionId: chat.versionId, ratio: 1 }, { versionId: docs.versionId, ratio: 1 }] });
  recipeId = recipe.id;
  baseModelId = (await server.engine.call('models.import', { path: BASE_MODEL, name: 'tiny-llama' })).model.id;
  browser = await launchChromium();
});

afterAll(async () => {
  if (server) {
    const { runs } = await server.engine.call('runs.list', {});
    for (const r of runs) if (r.status === 'running') await server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
  }
  await browser?.close();
  await server?.close();
  if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
});

const status = (page: Page) => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status');

describe('train on a recipe', () => {
  it('launches a run on a recipe and shows its adapter registered as a model', async () => {
    const { context, page, problems } = await openApp(browser, server.url, 'light', '#/train');
    try {
      await page.getByTestId('train-form').waitFor({ state: 'visible' });
      await page.getByTestId('train-data-recipe').click();
      await expect.poll(() => page.getByTestId('train-recipe').inputValue()).toBe(recipeId);
      expect(await page.getByTestId('train-recipe-hint').textContent()).toContain('manual v1 50 %');
      await expect.poll(() => page.locator(`[data-testid="train-base-model"] option[value="${baseModelId}"]`).count()).toBe(1);
      await page.getByTestId('train-base-model').selectOption(baseModelId);
      await page.getByTestId('train-name').fill('recipe run');
      await page.getByTestId('train-advanced-toggle').click();
      await page.getByTestId('train-field-maxSteps').fill('2');
      await page.getByTestId('train-field-checkpointEvery').fill('0');
      await page.getByTestId('train-field-device').selectOption('cpu');
      // The estimate still works with a recipe.
      await expect.poll(() => page.getByTestId('train-estimate').getAttribute('data-fits'), { timeout: 30_000 }).toBe('true');
      await page.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0));
      await shot(page, 'train-recipe-light');
      await page.getByTestId('train-launch').click();
      await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
      const runId = (await page.evaluate(() => window.location.hash)).split('/')[2]!;
      const run = await server.engine.call('runs.get', { runId });
      expect((run.config.recipe as unknown[]).length).toBe(2);
      await expect.poll(() => status(page), { timeout: 150_000, interval: 500 }).toBe('completed');
      const notice = page.getByTestId('run-registered-model');
      await notice.waitFor({ state: 'visible' });
      expect(await notice.textContent()).toContain('Adapter registered as model recipe run');
      expect(await page.getByTestId('run-registered-model-link').getAttribute('href')).toBe('#/models');
      const { models } = await server.engine.call('models.list', {});
      expect(models.find((m) => m.runId === runId)).toMatchObject({ kind: 'adapter', name: 'recipe run' });
      await shot(page, 'run-registered-light');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);
});
