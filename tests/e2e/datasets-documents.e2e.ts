import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { makeEncryptedPdf, makePdf } from '../support/document-fixtures.js';
import { openApp as open, rowText, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

let server: Server;
let session: E2eSession;
let browser: Browser;
let fixtures: string;
let folder: string;

const paragraph = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${topic} check ${i + 1}: isolate, test for absence of voltage, earth both sides, then log the permit number.`);

beforeAll(async () => {
  session = await startE2eSession('lathe-e2e-documents-');
  ({ server, browser } = session);
  fixtures = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-docs-'));
  folder = path.join(fixtures, 'substation-manual');
  fs.mkdirSync(folder);
  // A generated three-page PDF (pdf-lib), a Markdown note and an encrypted PDF that must be skipped by choice.
  await makePdf(path.join(folder, 'switching-procedure.pdf'), [paragraph('Page one', 8), paragraph('Page two', 8), paragraph('Page three', 8)]);
  fs.writeFileSync(path.join(folder, 'notes.md'), '# Field notes\n\n' + paragraph('Note', 6).join('\n\n'));
  await makeEncryptedPdf(path.join(folder, 'vendor-locked.pdf'));
});

afterAll(async () => {
  await session?.close();
  if (fixtures) await fs.promises.rm(fixtures, { recursive: true, force: true });
});

describe('document import (browser mode)', () => {
  it('previews a folder of PDFs and Markdown with pages, skips the encrypted file by choice, and imports chunks', async () => {
    const { context, page, problems } = await open(browser, server.url, 'light');
    try {
      await page.getByTestId('empty-state-datasets').waitFor({ state: 'visible' });
      await page.getByTestId('datasets-import').click();
      await page.getByTestId('import-wizard').waitFor({ state: 'visible' });

      // The engine reads the folder; the renderer only shows its answer.
      const input = page.getByTestId('import-path');
      await input.fill(folder);
      await input.press('Enter');
      await page.getByTestId('documents-summary').waitFor({ state: 'visible' });
      expect(await page.getByTestId('documents-kind').textContent()).toBe('Folder of documents');
      expect(await page.getByTestId('documents-files').textContent()).toBe('3 · MD, PDF');
      expect(await page.getByTestId('documents-chunking').textContent()).toMatch(/measured in words, not tokens/);
      expect(await page.getByTestId('documents-problems').textContent()).toContain('vendor-locked.pdf is encrypted');

      // Smaller chunks so the PDF spans several, each naming its pages.
      await page.getByTestId('import-chunk-size').fill('60');
      await page.getByTestId('import-overlap').fill('10');
      await page.getByTestId('import-rechunk').click();
      await expect.poll(() => page.getByTestId('chunk-row').count()).toBeGreaterThan(3);
      const wheres = await page.getByTestId('chunk-where').allTextContents();
      expect(wheres.some((w) => /^page 1 · chars 0-\d+$/.test(w))).toBe(true);
      expect(wheres.some((w) => /^pages 1–2 · chars \d+-\d+$/.test(w))).toBe(true);
      await page.locator('.modal-body').evaluate((body) => {
        const card = body.querySelector<HTMLElement>('[data-testid="documents-summary"]')!;
        body.scrollTop = card.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop - 16;
      });
      await shot(page, 'documents-wizard-preview-light');

      // Options: skip bad files, by keyboard.
      await page.getByTestId('import-continue').click();
      await page.getByTestId('import-onerror-skip').waitFor({ state: 'visible' });
      expect(await page.getByTestId('import-summary').textContent()).toContain('chunks of 60 words, 10 overlap');
      await page.getByTestId('import-onerror-skip').locator('input').focus();
      await page.keyboard.press('Space');
      await shot(page, 'documents-wizard-options-light');
      await page.getByTestId('import-start').click();

      const result = page.getByTestId('import-result');
      await result.waitFor({ state: 'visible', timeout: 60_000 });
      expect(Number(await page.getByTestId('import-rows').textContent())).toBeGreaterThan(3);
      expect(await page.getByTestId('import-rejected').textContent()).toBe('1');
      expect(await page.getByTestId('import-chunking').textContent()).toBe('60 words, 10 overlap');
      expect(await page.getByTestId('import-rejects-path').textContent()).toMatch(/\.rejects\.jsonl$/);
      await shot(page, 'documents-import-result-light');

      // The dataset's rows name file, page and offsets.
      await page.getByTestId('import-open-dataset').click();
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('substation-manual');
      await expect.poll(() => rowText(page, 1)).toMatch(/chars 0-\d+notes\.md/);
      const all = await page.locator('[data-testid="example-row"] .ex-source').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
      expect(await rowText(page, 3)).toMatch(/p\.1 · chars 0-\d+switching-procedure\.pdf/);
      expect(all.some((t) => /switching-procedure\.pdf:p\.1:chars 0-\d+/.test(t))).toBe(true);
      expect(all.some((t) => /switching-procedure\.pdf:p\.1-2:chars \d+-\d+/.test(t))).toBe(true);
      await shot(page, 'documents-dataset-light');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
