import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openApp, mainShot as shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Issue 19, item 1: the base model comes from the registry (GGUF listed but not pickable), a folder not yet
 * registered comes in through "Import a model…" and the engine's folder browser, Launch stays disabled with the
 * reason beside it while the form is invalid, and "Retry with new settings" on a failed run opens the Train form
 * with every setting of that run, base model included, all changeable. Real engine, real trainer (CPU).
 */

const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const TINY_HF = path.join(path.dirname(TINY_GGUF), 'hf');

let s: E2eSession;
const ids: Record<string, string> = {};

/** A copy of the tiny model under `dir` whose config.json differs by one key, so it hashes as its own model. */
function copyTiny(dir: string, tag: string): string {
  fs.cpSync(TINY_HF, dir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, lathe_e2e_copy: tag }, null, 2));
  return dir;
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(TINY_HF, 'config.json'))) throw new Error(`The tiny model is missing at ${TINY_HF}: run \`npm run demo\`.`);
  s = await startE2eSession('lathe-e2e-base-model-');
  const e = s.server.engine;
  await e.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'northwind-qa' });
  ids.tiny = (await e.call('models.import', { path: TINY_HF, name: 'tiny-llama' })).model.id;
  ids.gguf = (await e.call('models.import', { path: TINY_GGUF, name: 'tiny-llama-gguf' })).model.id;
  // Registered while sound, damaged afterwards: the weights no longer load (the run fails), the config stays.
  const broken = copyTiny(path.join(s.dataDir, 'shelf', 'broken-llama'), 'broken');
  ids.broken = (await e.call('models.import', { path: broken, name: 'broken-llama' })).model.id;
  fs.writeFileSync(path.join(broken, 'model.safetensors'), 'not a safetensors file');
  // Registered, then its config.json removed: the estimate cannot be made.
  const noConfig = copyTiny(path.join(s.dataDir, 'shelf', 'no-config-llama'), 'no-config');
  ids.noConfig = (await e.call('models.import', { path: noConfig, name: 'no-config-llama' })).model.id;
  fs.rmSync(path.join(noConfig, 'config.json'));
  // Not registered: found with the folder browser.
  copyTiny(path.join(s.dataDir, 'incoming', 'fresh-llama'), 'fresh');
}, 120_000);

afterAll(async () => {
  if (s) {
    const { runs } = await s.server.engine.call('runs.list', {});
    for (const r of runs) if (r.status === 'running' || r.status === 'queued') await s.server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
    await s.close();
  }
});


const launch = (page: Page) => page.getByTestId('train-launch');
const reason = async (page: Page) => (await page.getByTestId('train-launch-reason').textContent()) ?? '';
const optionText = (page: Page, id: string) => page.locator(`[data-testid="train-base-model"] option[value="${id}"]`);

describe('train: base model from the registry', () => {
  it('picks a registered model, imports one through the folder browser, and keeps Launch disabled with a reason until the form is valid', async () => {
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/train');
    try {
      await page.getByTestId('train-form').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('train-version').inputValue()).not.toBe('');
      // No base model yet: Launch is disabled and says why.
      expect(await launch(page).isDisabled()).toBe(true);
      expect(await reason(page)).toBe('Choose a base model from the registry, or import one.');
      // The picker lists the registry: the HF model with family, size and format; the GGUF greyed out with why.
      await expect.poll(() => optionText(page, ids.tiny!).count()).toBe(1);
      expect(await optionText(page, ids.tiny!).textContent()).toMatch(/^tiny-llama · LlamaForCausalLM · 158K params · [\d.]+ (KB|MB) · HF$/);
      expect(await optionText(page, ids.gguf!).isDisabled()).toBe(true);
      expect(await optionText(page, ids.gguf!).textContent()).toMatch(/GGUF runs in llama\.cpp only/);

      // A model whose config.json is gone: the estimate fails and Launch stays disabled, saying so.
      await page.getByTestId('train-base-model').selectOption(ids.noConfig!);
      await expect.poll(() => reason(page), { timeout: 30_000 }).toMatch(/^The estimate failed: There is no config\.json/);
      expect(await launch(page).isDisabled()).toBe(true);
      expect(await page.getByTestId('train-estimate').textContent()).toContain('Estimate unavailable');
      await shot(page, 'train-launch-blocked');

      // The registered tiny model: facts shown, the estimate works, Launch is enabled.
      await page.getByTestId('train-base-model').selectOption(ids.tiny!);
      const facts = (await page.getByTestId('train-base-model-facts').textContent()) ?? '';
      expect(facts).toContain('LlamaForCausalLM');
      expect(facts).toContain(TINY_HF);
      await page.getByTestId('train-advanced-toggle').click();
      await page.getByTestId('train-field-device').selectOption('cpu');
      await expect.poll(() => page.getByTestId('train-estimate').getAttribute('data-fits'), { timeout: 30_000 }).toBe('true');
      await expect.poll(() => launch(page).isEnabled()).toBe(true);
      expect(await reason(page)).toMatch(/steps on CPU/);
      // An invalid setting disables it again, with the field named.
      await page.getByTestId('train-field-maxSteps').fill('0');
      await expect.poll(() => reason(page)).toMatch(/^Fix “maxSteps”/);
      expect(await launch(page).isDisabled()).toBe(true);
      await page.getByTestId('train-field-maxSteps').fill('3');
      await expect.poll(() => launch(page).isEnabled(), { timeout: 30_000 }).toBe(true);
      await page.getByTestId('train-advanced-toggle').click();
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await shot(page, 'train-base-model-picked');

      // Import a model…: the engine's folder browser, inside the allowed roots; the picked folder is inspected,
      // registered and becomes the base model.
      await page.getByTestId('train-import-model').click();
      const dialog = page.getByTestId('model-import-dialog');
      await dialog.getByTestId('folder-browser').waitFor({ state: 'visible' });
      await dialog.getByTestId('folder-root').filter({ hasText: 'Lathe data' }).click();
      await expect.poll(() => dialog.getByTestId('folder-current').getAttribute('title')).toBe(fs.realpathSync(s.dataDir));
      expect(await dialog.getByTestId('folder-up').isDisabled()).toBe(true);
      await dialog.locator('[data-testid="folder-entry"][data-name="incoming"]').click();
      const fresh = dialog.locator('[data-testid="folder-entry"][data-name="fresh-llama"]');
      await fresh.waitFor({ state: 'visible' });
      expect(await fresh.getAttribute('data-kind')).toBe('model');
      await fresh.click();
      await dialog.getByTestId('model-inspection').waitFor({ state: 'visible' });
      expect(await dialog.getByTestId('model-import-path').inputValue()).toBe(path.join(fs.realpathSync(s.dataDir), 'incoming', 'fresh-llama'));
      await dialog.getByTestId('model-import-name').fill('fresh-llama');
      await shot(page, 'train-import-model-browser');
      await dialog.getByTestId('model-import-register').click();
      await dialog.waitFor({ state: 'detached', timeout: 30_000 });
      const freshModel = (await s.server.engine.call('models.list', {})).models.find((m) => m.name === 'fresh-llama')!;
      expect(freshModel).toMatchObject({ kind: 'base', format: 'hf' });
      await expect.poll(() => page.getByTestId('train-base-model').inputValue()).toBe(freshModel.id);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('retries a failed run from the Train form, prefilled with every setting and the base model changeable', async () => {
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/train');
    try {
      // Launch on the registered model whose weights were damaged: the run fails in the trainer.
      await page.getByTestId('train-form').waitFor({ state: 'visible' });
      await expect.poll(() => optionText(page, ids.broken!).count()).toBe(1);
      await page.getByTestId('train-base-model').selectOption(ids.broken!);
      await page.getByTestId('train-name').fill('damaged weights');
      await page.getByTestId('train-advanced-toggle').click();
      for (const [key, value] of Object.entries({ maxSteps: '3', lr: '0.01', loraRank: '4', maxSeqLen: '128', microBatchSize: '2', seed: '7' })) await page.getByTestId(`train-field-${key}`).fill(value);
      await page.getByTestId('train-field-device').selectOption('cpu');
      await expect.poll(() => launch(page).isEnabled(), { timeout: 30_000 }).toBe(true);
      await launch(page).click();
      await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
      const failedId = (await page.evaluate(() => window.location.hash)).split('/')[2]!;
      await expect.poll(() => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status'), { timeout: 90_000, interval: 500 }).toBe('failed');

      await page.getByTestId('run-retry').waitFor({ state: 'visible' });
      await shot(page, 'train-failed-run-retry');
      // Retry with new settings → the Train form with everything of that run.
      await page.getByTestId('run-retry').click();
      await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/train/retry/${failedId}`);
      await page.getByTestId('train-retry-of').waitFor({ state: 'visible' });
      expect(await page.getByTestId('train-retry-of').textContent()).toContain('damaged weights');
      await expect.poll(() => page.getByTestId('train-base-model').inputValue()).toBe(ids.broken);
      expect(await page.getByTestId('train-name').inputValue()).toBe('damaged weights (retry)');
      const versionId = (await s.server.engine.call('datasets.list', {})).datasets[0]!.latestVersion!.id;
      await expect.poll(() => page.getByTestId('train-version').inputValue()).toBe(versionId);
      await page.getByTestId('train-advanced-toggle').click();
      const field = (key: string) => page.getByTestId(`train-field-${key}`).inputValue();
      expect({ maxSteps: await field('maxSteps'), lr: await field('lr'), loraRank: await field('loraRank'), maxSeqLen: await field('maxSeqLen'), microBatchSize: await field('microBatchSize'), seed: await field('seed'), device: await field('device') })
        .toEqual({ maxSteps: '3', lr: '0.01', loraRank: '4', maxSeqLen: '128', microBatchSize: '2', seed: '7', device: 'cpu' });
      expect(await page.getByTestId('train-preset-quick').getAttribute('aria-checked')).toBe('false');
      expect(await launch(page).textContent()).toBe('Retry as a new run');

      // Change the base model and a setting, then retry: a new run, linked to the failed one.
      await page.getByTestId('train-base-model').selectOption(ids.tiny!);
      await page.getByTestId('train-field-maxSteps').fill('2');
      await page.getByTestId('train-field-lr').fill('0.02');
      await expect.poll(() => page.getByTestId('train-estimate').getAttribute('data-fits'), { timeout: 30_000 }).toBe('true');
      await expect.poll(() => launch(page).isEnabled(), { timeout: 30_000 }).toBe(true);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await shot(page, 'train-retry-prefilled');
      await launch(page).click();
      await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
      const retryId = (await page.evaluate(() => window.location.hash)).split('/')[2]!;
      expect(retryId).not.toBe(failedId);
      await page.getByTestId('run-retry-of').waitFor({ state: 'visible' });
      const retried = await s.server.engine.call('runs.get', { runId: retryId });
      expect(retried.retryOf).toBe(failedId);
      expect(retried.name).toBe('damaged weights (retry)');
      expect(retried.startArgs).toMatchObject({ baseModelDir: TINY_HF, datasetVersionId: versionId, maxSteps: 2, lr: 0.02, loraRank: 4, maxSeqLen: 128, microBatchSize: 2, seed: 7, device: 'cpu' });
      await expect.poll(() => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status'), { timeout: 120_000, interval: 500 }).toBe('completed');
      // The time it took beside the estimate it was queued with (issue 19 item 2), as the engine recorded both.
      const done = await s.server.engine.call('runs.get', { runId: retryId });
      expect(done.timing.estimatedSeconds).toBeGreaterThan(0);
      expect(done.timing.ranSeconds).toBeGreaterThan(0);
      await expect.poll(() => page.getByTestId('run-timing').textContent(), { timeout: 10_000 }).toMatch(/^Took (under a second|\d+ s|\d+ min( \d+ s)?) · estimated .+/);
      await shot(page, 'train-retry-completed-timing');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
