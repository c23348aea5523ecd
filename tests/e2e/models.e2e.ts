import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/** Models page (import by path, refusals, details, convert) and Export page, against the real engine in browser mode. */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const TINY_HF = path.join(path.dirname(TINY_GGUF), 'hf');

let s: E2eSession;
let scratch: string;
beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-models-');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-e2e-models-files-'));
});
afterAll(async () => {
  await s?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

async function importByPath(page: Page, file: string): Promise<void> {
  await page.getByTestId('model-import-path').fill(file);
  await page.getByTestId('model-import-inspect').click();
}

describe('Models page', () => {
  it('refuses a pickle and a truncated GGUF with clear errors, imports the tiny model, shows details and converts it', async () => {
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/models');
    await expect.poll(() => page.getByTestId('model-import-open').isVisible()).toBe(true);
    await shot(page, 'models-empty');

    await page.getByTestId('model-import-open').click();
    const pickle = path.join(scratch, 'pytorch_model.bin');
    fs.writeFileSync(pickle, Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]));
    await importByPath(page, pickle);
    await expect.poll(() => page.getByTestId('model-import-dialog').textContent()).toMatch(/pickle file.*run any code/);
    await shot(page, 'models-import-pickle-refused');
    const truncated = path.join(scratch, 'truncated.gguf');
    fs.writeFileSync(truncated, fs.readFileSync(TINY_GGUF).subarray(0, 100_000));
    await importByPath(page, truncated);
    await expect.poll(() => page.getByTestId('model-import-dialog').textContent()).toMatch(/not a valid GGUF file.*truncated/);

    await importByPath(page, TINY_HF);
    await expect.poll(() => page.getByTestId('model-inspection').textContent()).toMatch(/LlamaForCausalLM/);
    await page.getByTestId('model-import-name').fill('Tiny Llama');
    await shot(page, 'models-import-inspected');
    await page.getByTestId('model-import-register').click();
    await expect.poll(() => page.getByTestId('model-drawer').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('model-sha').textContent()).toMatch(/^[0-9a-f]{64}$/);

    // Convert from the drawer; the GGUF appears as a child in the lineage and as a row.
    await page.getByTestId('convert-outtype').selectOption('Q8_0');
    await page.getByTestId('convert-start').click();
    await expect.poll(() => page.getByTestId('model-lineage').textContent(), { timeout: 120_000 }).toMatch(/Tiny Llama · Q8_0/);
    await shot(page, 'models-drawer-lineage');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('model-row').count()).toBe(2);
    // Keyboard: focus a row and open it with Enter.
    await page.getByTestId('model-row').first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('model-drawer').textContent()).toMatch(/Made from/);
    await page.keyboard.press('Escape');
    await shot(page, 'models-table');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});

describe('Export page', () => {
  it('exports a trained adapter: merged, GGUFs, Modelfile, card, SHA256SUMS; shown as a draft with hashes', async () => {
    // A quick real adapter: 6 LoRA steps of the tiny model on the Northwind sample (CPU).
    const e = s.server.engine;
    const imported = await e.call('datasets.import', { path: path.resolve('resources/samples/northwind-qa.jsonl'), datasetName: 'northwind' });
    // The run's name is its adapter's name: a completed run registers its adapter itself (the import below finds it).
    const started = await e.call('runs.start', { name: 'Northwind adapter', baseModelDir: TINY_HF, datasetVersionId: imported.versionId, maxSteps: 6, lr: 0.01, loraRank: 4, maxSeqLen: 128, microBatchSize: 2, device: 'cpu' });
    await expect.poll(async () => (await e.call('runs.get', { runId: started.id })).status, { timeout: 120_000, interval: 500 }).toBe('completed');
    const run = await e.call('runs.get', { runId: started.id });
    const base = (await e.call('models.import', { path: TINY_HF, name: 'Tiny Llama' })).model; // already registered when the test above ran
    await e.call('models.import', { path: path.join(run.outputDir, 'adapter'), name: 'Northwind adapter', parentId: base.id, runId: run.id });

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'dark', '#/export');
    await expect.poll(() => page.getByTestId('export-form').isVisible()).toBe(true);
    await page.getByTestId('export-model').selectOption({ label: 'Northwind adapter — Adapter' });
    await page.getByTestId('export-name').fill('Northwind assistant');
    await shot(page, 'export-form');
    await page.getByTestId('export-run').click();
    await expect.poll(() => page.getByTestId('export-progress').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('export-card').first().getAttribute('data-status'), { timeout: 300_000, interval: 1000 }).toBe('draft');
    const files = await page.getByTestId('export-files').first().textContent();
    for (const f of ['merged/model.safetensors', 'northwind-assistant-q8_0.gguf', 'northwind-assistant-q4_k_m.gguf', 'Modelfile', 'README.md']) expect(files).toContain(f);
    await shot(page, 'export-done');

    // Each file downloads to the browser's machine, byte for byte what the export recorded (issue 19 item 12).
    const recorded = (await e.call('exports.list', {})).exports[0]!.files.find((f) => f.path === 'northwind-assistant-q8_0.gguf')!;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-files').first().locator('tr', { hasText: 'northwind-assistant-q8_0.gguf' }).getByTestId('export-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe('northwind-assistant-q8_0.gguf');
    const saved = await download.path();
    expect(createHash('sha256').update(fs.readFileSync(saved)).digest('hex')).toBe(recorded.sha256);
    const audited = await e.call('audit.list', { actionPrefix: 'export.download' });
    expect(audited.entries[0]!.details).toMatchObject({ file: 'northwind-assistant-q8_0.gguf', sha256: recorded.sha256 });
    expect(problems).toEqual([]);
    await context.close();
  }, 420_000);
});
