import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { writeCurateJsonl } from './dataset-fixtures.js';
import { detect, openApp as open, rowText, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

let fixtures: string;
let server: Server;
let session: E2eSession;
let browser: Browser;
let curateFile: string;

beforeAll(async () => {
  session = await startE2eSession('lathe-e2e-curate-');
  ({ server, browser } = session);
  fixtures = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-curate-fixtures-'));
  curateFile = writeCurateJsonl(fixtures);
});

afterAll(async () => {
  await session?.close();
  if (fixtures) await fs.promises.rm(fixtures, { recursive: true, force: true });
});

const meta = (page: Page) => page.getByTestId('examples-meta').textContent();

/** The toast a finished step leaves, e.g. "Version 2: removed 3, changed 0". */
async function expectToast(page: Page, text: RegExp): Promise<void> {
  await expect.poll(async () => (await page.locator('body').textContent()) ?? '').toMatch(text);
}

describe('dataset curation', () => {
  it('dedups, scans and redacts PII, splits, and compares versions', async () => {
    const { context, page, problems } = await open(browser, server.url, 'light');
    try {
      // Import the crew log: 26 rows, 3 exact copies, 3 with personal data.
      await page.getByTestId('datasets-import').click();
      await detect(page, curateFile);
      await page.getByTestId('import-path').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('import-onerror-abort').waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
      await page.getByTestId('import-result').waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('import-rows').textContent()).toBe('26');
      await page.keyboard.press('Enter');
      await page.getByTestId('import-wizard').waitFor({ state: 'detached' });
      await expect.poll(() => meta(page)).toBe('v1 · 26');

      // Exact dedup, by keyboard: the toolbar button, then the confirm.
      await page.getByTestId('curate-dedup').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('curate-dialog').waitFor({ state: 'visible' });
      expect(await page.getByTestId('curate-summary').textContent()).toContain('byte-for-byte');
      await page.getByTestId('curate-confirm').click();
      await page.getByTestId('curate-dialog').waitFor({ state: 'detached' });
      await expectToast(page, /Version 2: removed 3, changed 0/);
      await expect.poll(() => meta(page)).toBe('v2 · 23');
      await expect.poll(() => page.getByTestId('version-row').count()).toBe(2);
      expect(await page.getByTestId('version-row').first().textContent()).toContain('Deduplicated');
      expect(await page.getByTestId('version-row').first().textContent()).toContain('v1'); // its parent

      // PII scan: counts per kind, hits in context with the match highlighted as text.
      await page.getByTestId('curate-pii').click();
      await page.getByTestId('pii-rescan').click();
      await page.getByTestId('pii-result').waitFor({ state: 'visible' });
      const kinds = await page.getByTestId('pii-kind').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      expect(kinds).toEqual(expect.arrayContaining(['email', 'credit_card', 'phone']));
      expect(await page.getByTestId('pii-hit').count()).toBeGreaterThanOrEqual(3);
      const matches = await page.getByTestId('pii-match').allTextContents();
      expect(matches).toEqual(expect.arrayContaining(['dana.ortiz@cedarvalley-power.com', '4111 1111 1111 1111']));
      expect(await page.getByTestId('pii-result').textContent()).not.toMatch(/[⟦⟧]/);
      await shot(page, 'datasets-curate-pii-light');

      // An invalid custom pattern comes back as a sentence, not a crash.
      await page.getByTestId('pii-patterns').fill('(unclosed');
      await page.getByTestId('pii-rescan').click();
      await expect.poll(async () => (await page.getByTestId('curate-dialog').textContent()) ?? '').toMatch(/The engine said no/);
      await page.getByTestId('pii-patterns').fill('');
      await page.getByTestId('pii-rescan').click();
      await page.getByTestId('pii-redact').click();
      await page.getByTestId('curate-dialog').waitFor({ state: 'detached' });
      await expectToast(page, /Version 3: removed 0, changed \d+/);
      await expect.poll(() => meta(page)).toBe('v3 · 23');
      await expect.poll(() => rowText(page, 1)).toContain('[EMAIL]');
      expect(await rowText(page, 2)).toContain('[CARD]');
      expect(await page.getByTestId('version-row').first().textContent()).toContain('PII redacted');

      // Split 20% / 10%, stratified by source: every row gets a badge.
      await page.getByTestId('curate-split').click();
      await page.getByTestId('split-validation').fill('20');
      await page.getByTestId('split-seed').fill('7');
      await page.getByTestId('split-stratify').check();
      await page.getByTestId('curate-confirm').click();
      await page.getByTestId('curate-dialog').waitFor({ state: 'detached' });
      await expectToast(page, /Version 4: removed 0/);
      await expect.poll(() => meta(page)).toBe('v4 · 23');
      await expect.poll(() => page.getByTestId('split-badge').count()).toBeGreaterThan(0);
      const splits = new Set(await page.getByTestId('split-badge').evaluateAll((els) => els.map((e) => e.getAttribute('data-split'))));
      expect(splits.has('train')).toBe(true);
      expect(await page.getByTestId('version-row').first().textContent()).toContain('Split');

      // Compare v1 with the newest: 3 rows gone (dedup), the redacted ones changed.
      await page.getByTestId('versions-compare').click();
      await page.getByTestId('compare-panel').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('diff-removed').textContent()).toMatch(/^3/);
      const changed = Number.parseInt((await page.getByTestId('diff-changed').textContent()) ?? '', 10);
      const unchanged = Number.parseInt((await page.getByTestId('diff-unchanged').textContent()) ?? '', 10);
      const added = Number.parseInt((await page.getByTestId('diff-added').textContent()) ?? '', 10);
      expect(changed).toBeGreaterThanOrEqual(2);
      expect(added + changed + unchanged).toBe(23);
      await shot(page, 'datasets-curate-light');

      // The same screen in dark.
      const url = page.url();
      const dark = await open(browser, server.url, 'dark', new URL(url).hash);
      try {
        await expect.poll(() => meta(dark.page)).toBe('v4 · 23');
        await dark.page.getByTestId('versions-compare').click();
        await expect.poll(() => dark.page.getByTestId('diff-removed').textContent()).toMatch(/^3/);
        await shot(dark.page, 'datasets-curate-dark');
        await dark.page.getByTestId('version-row').nth(2).click(); // v2, before the redaction
        await expect.poll(() => meta(dark.page)).toBe('v2 · 23');
        await dark.page.getByTestId('curate-pii').click();
        await dark.page.getByTestId('pii-rescan').click();
        await dark.page.getByTestId('pii-result').waitFor({ state: 'visible' });
        await shot(dark.page, 'datasets-curate-pii-dark');
        expect(dark.problems).toEqual([]);
      } finally {
        await dark.context.close();
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
