import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/engine/datasets/run-import.js';
import { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { writeCrewFaqCsv, writeGridJsonl, writeLargeJsonl } from './dataset-fixtures.js';
import { detect, openApp as open, rowText, shot, showPreview } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

let dataDir: string;
let fixtures: string;
let server: Server;
let session: E2eSession;
let browser: Browser;
let gridFile: string;
let csvFile: string;

const openApp = (colorScheme: 'light' | 'dark') => open(browser, server.url, colorScheme);

beforeAll(async () => {
  session = await startE2eSession('lathe-e2e-datasets-');
  ({ dataDir, server, browser } = session);
  fixtures = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-fixtures-'));
  gridFile = writeGridJsonl(fixtures);
  csvFile = writeCrewFaqCsv(fixtures);
});

afterAll(async () => {
  await session?.close();
  if (fixtures) await fs.promises.rm(fixtures, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('datasets', () => {
  it('imports a JSONL file through the wizard, then browses it', async () => {
    const { context, page, problems } = await openApp('light');
    try {
      // An empty library: the empty state keeps its words and gains the button.
      await page.getByTestId('empty-state-datasets').waitFor({ state: 'visible' });
      await page.getByTestId('datasets-import').click();
      const wizard = page.getByTestId('import-wizard');
      await wizard.waitFor({ state: 'visible' });
      expect(await wizard.textContent()).toContain('machine running the engine');

      // Step 1: path, Enter to detect, then what the engine made of the file.
      await detect(page, gridFile);
      expect(await page.getByTestId('detect-encoding').textContent()).toBe('UTF-8');
      expect(await page.getByTestId('import-format').inputValue()).toBe('openai-chat');
      expect(await page.getByTestId('import-map-messages').inputValue()).toBe('messages');
      expect(await page.getByTestId('import-name').inputValue()).toBe('grid-maintenance');
      const preview = page.getByTestId('preview-row');
      expect(await preview.count()).toBe(8);
      expect(await page.getByTestId('preview-problem').count()).toBe(0);
      const firstTurns = preview.first().getByTestId('chat-turn');
      expect(await firstTurns.evaluateAll((els) => els.map((e) => e.getAttribute('data-role')))).toEqual(['system', 'user', 'assistant']);
      expect(await preview.first().textContent()).toContain('How often should we inspect a pole-mounted distribution transformer?');
      await shot(page, 'datasets-wizard-source-light');
      await showPreview(page);
      await shot(page, 'datasets-wizard-preview-light');

      // Changing the format asks the engine again; changing it back restores the preview.
      await page.getByTestId('import-format').selectOption('text');
      await expect.poll(() => page.getByTestId('preview-problem').count()).toBe(8);
      expect(await page.getByTestId('preview-problem').first().textContent()).toContain('is missing field "text"');
      await page.getByTestId('import-format').selectOption('openai-chat');
      await expect.poll(() => page.getByTestId('preview-problem').count()).toBe(0);

      // Step 2 and the import, by keyboard alone: focus follows each step, Enter advances.
      await page.getByTestId('import-path').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('import-onerror-abort').waitFor({ state: 'visible' });
      expect(await page.getByTestId('import-onerror-abort').locator('input').isChecked()).toBe(true);
      await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe('abort');
      await shot(page, 'datasets-wizard-options-light');
      await page.keyboard.press('Enter');

      // Step 3: the result.
      const result = page.getByTestId('import-result');
      await result.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('import-rows').textContent()).toBe('300');
      expect(await page.getByTestId('import-rejected').textContent()).toBe('0');
      expect(await page.getByTestId('import-version').textContent()).toBe('v1');
      expect(await page.getByTestId('import-content-hash').textContent()).toMatch(/^[0-9a-f]{64}$/);
      expect(await page.getByTestId('import-source-sha').textContent()).toBe(sha256(gridFile));
      await shot(page, 'datasets-import-result-light');

      // The dataset (Enter opens it): versions, and the virtualised examples.
      await page.keyboard.press('Enter');
      await wizard.waitFor({ state: 'detached' });
      await expect.poll(() => page.url()).toMatch(/#\/datasets\/[0-9a-f-]{36}$/);
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('grid-maintenance');
      await expect.poll(() => page.getByTestId('version-row').count()).toBe(1);
      expect(await page.getByTestId('version-row').first().textContent()).toContain('Imported');
      await expect.poll(() => rowText(page, 1)).toContain('How often should we inspect a pole-mounted distribution transformer?');
      expect(await rowText(page, 1)).toContain('grid-maintenance.jsonl');
      // Only what is on screen is in the DOM.
      expect(await page.getByTestId('example-row').count()).toBeLessThan(60);
      await shot(page, 'datasets-detail-light');
      // The table has focus: ↓ selects the first row straight away.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => page.locator('[data-testid="example-row"][aria-selected="true"]').getAttribute('data-position')).toBe('2');

      // Scroll to the end: the last rows arrive.
      const viewport = page.getByTestId('examples-viewport');
      await viewport.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await expect.poll(() => rowText(page, 300)).toContain('line 300');
      expect(await page.locator('[data-testid="example-row"][data-position="1"]').count()).toBe(0);

      // Click opens the whole example; ↑/↓ walk; Escape closes.
      await page.locator('[data-testid="example-row"][data-position="290"]').click();
      const panel = page.getByTestId('example-panel');
      await panel.waitFor({ state: 'visible' });
      expect(await page.getByTestId('example-panel-source').textContent()).toBe('grid-maintenance.jsonl:line 290');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => page.getByTestId('example-panel-source').textContent()).toBe('grid-maintenance.jsonl:line 291');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      await expect.poll(() => page.getByTestId('example-panel-position').textContent()).toBe('289');
      expect(await page.locator('[data-testid="example-row"][aria-selected="true"]').getAttribute('data-position')).toBe('289');
      const turns = await panel.getByTestId('chat-turn').count();
      expect(turns).toBeGreaterThanOrEqual(3);
      await shot(page, 'datasets-detail-panel-light');
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached' });
      // Home, then Enter opens the first example by keyboard alone.
      await page.keyboard.press('Home');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('example-panel-source').textContent()).toBe('grid-maintenance.jsonl:line 1');
      await page.keyboard.press('Escape');

      // Back to the library: one dataset in the table.
      await page.getByTestId('breadcrumb-datasets').click();
      const rows = page.getByTestId('dataset-row');
      await expect.poll(() => rows.count()).toBe(1);
      const text = (await rows.first().textContent()) ?? '';
      expect(text).toContain('grid-maintenance');
      expect(text).toContain('300');
      expect(text).toContain('v1');
      await shot(page, 'datasets-list-light');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('stops at a bad CSV row and names its line, then skips it into a rejects file', async () => {
    const { context, page, problems } = await openApp('dark');
    try {
      await expect.poll(() => page.getByTestId('dataset-row').count()).toBe(1);
      await shot(page, 'datasets-list-dark');
      await page.getByTestId('datasets-import').click();
      await detect(page, csvFile);
      expect(await page.getByTestId('import-format').inputValue()).toBe('prompt-completion');
      expect(await page.getByTestId('import-map-prompt').inputValue()).toBe('question');
      expect(await page.getByTestId('import-map-completion').inputValue()).toBe('answer');
      // The preview already shows the bad row, in red, with where it is.
      const bad = page.locator('[data-testid="preview-row"].has-problem');
      await expect.poll(() => bad.count()).toBe(1);
      expect(await bad.textContent()).toContain('row 3 (line 4)');
      expect(await bad.textContent()).toContain('field "answer" is empty');
      expect(await page.getByTestId('preview-meta').textContent()).toContain('1 problem');
      await showPreview(page);
      await shot(page, 'datasets-wizard-problem-dark');

      // Stop at the first bad row: nothing imported, and the message names the line.
      await page.getByTestId('import-continue').click();
      await page.getByTestId('import-onerror-abort').click();
      await page.getByTestId('import-start').click();
      const error = page.getByTestId('import-error');
      await error.waitFor({ state: 'visible', timeout: 30_000 });
      const message = (await error.textContent()) ?? '';
      expect(message).toContain('field-crew-faq.csv, row 3 (line 4)');
      expect(message).toContain('Nothing was imported');
      expect(message).toContain('skip bad rows');
      await shot(page, 'datasets-import-error-dark');

      // Back to the options, skip bad rows: the rest comes in, the bad row goes to the rejects file.
      await page.getByTestId('import-back-to-options').click();
      await page.getByTestId('import-onerror-skip').click();
      await page.getByTestId('import-start').click();
      await page.getByTestId('import-result').waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('import-rows').textContent()).toBe('12');
      expect(await page.getByTestId('import-rejected').textContent()).toBe('2');
      const rejectsPath = ((await page.getByTestId('import-rejects-path').textContent()) ?? '').trim();
      expect(rejectsPath).toMatch(/\.rejects\.jsonl$/);
      const rejects = fs.readFileSync(rejectsPath, 'utf8').trim().split('\n');
      expect(rejects.map((line) => JSON.parse(line) as { locator: string; problem: string })).toEqual([
        expect.objectContaining({ locator: 'row 3 (line 4)', problem: 'field "answer" is empty' }),
        expect.objectContaining({ locator: 'row 14 (line 15)', problem: 'has a different number of columns than the header' }),
      ]);
      await shot(page, 'datasets-import-result-dark');

      await page.keyboard.press('Escape');
      await page.getByTestId('import-wizard').waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('dataset-row').count()).toBe(2);

      // The first dataset, in the dark theme, with an example open.
      await page.getByTestId('dataset-row').filter({ hasText: 'grid-maintenance' }).click();
      await expect.poll(() => rowText(page, 1)).toContain('pole-mounted');
      await shot(page, 'datasets-detail-dark');
      await page.locator('[data-testid="example-row"][data-position="7"]').click();
      await page.getByTestId('example-panel').waitFor({ state: 'visible' });
      await shot(page, 'datasets-detail-panel-dark');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a large import’s progress, runs on when hidden, cancels, then adds a version', async () => {
    const bigFile = writeLargeJsonl(fixtures);
    const { context, page, problems } = await openApp('light');
    try {
      await expect.poll(() => page.getByTestId('dataset-row').count()).toBe(2);
      await page.getByTestId('datasets-import').click();
      await page.getByTestId('import-target-existing').click();
      const grid = await page.getByTestId('dataset-row').filter({ hasText: 'grid-maintenance' }).getAttribute('data-dataset-id');
      await page.getByTestId('import-existing').selectOption(grid!);
      await detect(page, bigFile);
      await page.getByTestId('import-continue').click();
      await page.getByTestId('import-start').click();

      // Progress from job.progress: percentage, rows, MB/s and time left.
      await page.getByTestId('import-progress').waitFor({ state: 'visible' });
      await expect
        .poll(() => page.getByTestId('import-progress-message').textContent(), { timeout: 30_000 })
        .toMatch(/rows · [\d.]+ MB\/s · \d+ s left/);
      await expect.poll(async () => parseInt((await page.getByTestId('import-percent').textContent()) ?? '0', 10)).toBeGreaterThan(0);
      await shot(page, 'datasets-import-progress-light');

      // Escape hides the wizard; the import runs on and the page says so; the pill brings it back.
      await page.keyboard.press('Escape');
      await page.getByTestId('import-wizard').waitFor({ state: 'detached' });
      await page.getByTestId('import-job-pill').waitFor({ state: 'visible' });
      await page.getByTestId('import-job-pill').click();
      await page.getByTestId('import-progress').waitFor({ state: 'visible' });

      await page.getByTestId('import-cancel').click();
      await page.getByTestId('import-cancelled').waitFor({ state: 'visible', timeout: 30_000 });
      const versions = await server.engine.call('datasets.versions', { datasetId: grid! });
      expect(versions.versions).toHaveLength(1); // nothing was written

      // The small file again, as version 2 of the same dataset.
      await page.getByTestId('import-back-to-options').click();
      await page.getByTestId('import-back').click();
      await detect(page, gridFile);
      await page.getByTestId('import-continue').click();
      expect(await page.getByTestId('import-summary').textContent()).toContain('new version 2');
      await page.getByTestId('import-start').click();
      await page.getByTestId('import-result').waitFor({ state: 'visible', timeout: 30_000 });
      expect(await page.getByTestId('import-version').textContent()).toBe('v2');
      await page.getByTestId('import-open-dataset').click();

      const versionRows = page.getByTestId('version-row');
      await expect.poll(() => versionRows.count()).toBe(2);
      expect(await versionRows.first().textContent()).toContain('v2');
      expect(await versionRows.first().textContent()).toContain('600');
      expect(await versionRows.first().textContent()).toContain('v1'); // its parent
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v2 · 600');
      await versionRows.nth(1).click();
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v1 · 300');
      await expect.poll(() => rowText(page, 1)).toContain('pole-mounted');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
      fs.rmSync(bigFile, { force: true });
    }
  });

  it('says "Indexing for search" while a committed import is being indexed, then finds its rows', async () => {
    await server.engine.call('datasets.import', { path: gridFile, datasetName: 'grid searchable' });
    const { context, page } = await openApp('light');
    try {
      await page.getByTestId('dataset-row').first().waitFor();
      // An import committed on another connection (as a crash after the commit leaves it), with this test holding the
      // write lock so the indexer cannot take its first batch until the picture is taken.
      const fresh = path.join(fixtures, 'switchgear.jsonl'); // content the library does not hold yet
      const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `Torque for switchgear bolt ${i}?` }, { role: 'assistant', content: `${40 + (i % 9)} Nm.` }] }));
      fs.writeFileSync(fresh, lines.join('\n'));
      const db = new Database(server.engine.ctx.dbPath);
      db.pragma('busy_timeout = 10000');
      const { result } = await runImport(db, {
        importId: 'e2e-pending-index', path: fresh, datasetName: 'grid pending index', fileType: 'jsonl', encoding: 'utf-8', format: 'openai-chat',
        mapping: { messages: 'messages' }, onError: 'abort', actor: 'e2e', rejectsDir: path.join(dataDir, 'imports'), pipeline: 'never',
      });
      db.exec('BEGIN IMMEDIATE');
      try {
        server.engine.ctx.searchIndex.kick();
        const pill = page.getByTestId('search-index-pill');
        await pill.waitFor({ timeout: 5_000 });
        expect(await pill.textContent()).toMatch(/^Indexing for search · 0%$/);
        await shot(page, 'datasets-search-indexing-light');
      } finally {
        db.exec('COMMIT');
        db.close();
      }
      await page.getByTestId('search-index-pill').waitFor({ state: 'detached', timeout: 15_000 });
      const found = await server.engine.call('datasets.search', { versionId: result.versionId, query: 'switchgear bolt 417', limit: 5 });
      expect(found.notYetSearchable).toBe(0);
      expect(found.examples.map((e) => e.position)).toEqual([417]);
    } finally {
      await context.close();
    }
  });
});
