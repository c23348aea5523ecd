import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditExport } from '../../src/engine/audit/audit-verify-export.js';
import { ROOT, openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * The Audit page after real activity (an import, a split, two reviews, release criteria): family chips, the
 * object history, actor and date filters, keyboard-only row opening, JSON and CSV downloads checked by the
 * dependency-free script, then an attacker's edit of one row (trigger dropped) named by "Verify chain".
 */
const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts', 'verify-audit-export.mjs');

let s: E2eSession;
beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-audit-');
});
afterAll(async () => s?.close());

async function activity() {
  const engine = s.server.engine;
  const imported = await engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'northwind' });
  const split = await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.2 } });
  const v = split.version.id;
  await engine.call('reviews.act', { versionId: v, position: 0, action: 'accept', reviewer: 'ana' });
  await engine.call('reviews.act', { versionId: v, position: 1, action: 'reject', reviewer: 'ana', reason: 'answer cites the wrong manual' });
  await engine.call('gate.set', { criteria: [{ kind: 'min-gain', metric: 'f1', points: 5 }] });
}

async function script(file: string): Promise<{ code: number; out: string }> {
  try {
    return { code: 0, out: (await run(process.execPath, [SCRIPT, file])).stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

describe('Audit page (browser mode)', () => {
  it('filters real activity, exports JSON and CSV that verify anywhere, and names a tampered row', async () => {
    await activity();
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/audit');
    try {
      const rows = page.getByTestId('audit-row');
      const total = (await s.server.engine.call('audit.list', {})).total;
      await expect.poll(() => rows.count()).toBe(total);

      // Reviews: the two verdicts, under their real action names.
      await page.getByTestId('audit-family-reviews').click();
      await expect.poll(() => rows.count()).toBe(2);
      expect(await page.getByTestId('audit-table').textContent()).toMatch(/dataset\.review\.reject[\s\S]*dataset\.review\.accept/);
      // Objects by name (the dataset and its version number), not by UUID.
      expect(await rows.first().getByTestId('audit-object-name').textContent()).toMatch(/^ northwind v\d+$/);

      // Edits (the split) and Releases (the criteria) each find theirs.
      await page.getByTestId('audit-family-edits').click();
      await expect.poll(() => page.getByTestId('audit-table').textContent()).toContain('dataset.curate.split');
      await page.getByTestId('audit-family-releases').click();
      await expect.poll(() => rows.first().textContent()).toContain('gate.criteria.set');
      expect(await rows.count()).toBe(1);

      // Keyboard only: focus the first import row's disclosure button, open it with Enter, then list every entry for
      // its object.
      await page.getByTestId('audit-family-imports').click();
      await expect.poll(() => rows.first().textContent()).toContain('dataset.import');
      expect(await rows.count()).toBe(1);
      await rows.first().getByTestId('audit-row-toggle').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.detail-row').textContent()).toContain('northwind');
      // Details read as labelled fields (numbers grouped, hashes as code), the exact JSON folded beneath them.
      const fields = page.getByTestId('audit-detail-field');
      expect(await fields.locator('dt').allTextContents()).toEqual(expect.arrayContaining(['Rows', 'SHA-256', 'Content hash']));
      expect(await fields.filter({ has: page.locator('dt', { hasText: /^Rows$/ }) }).locator('dd').textContent()).toMatch(/^\d{1,3}(,\d{3})*$/);
      expect(await page.locator('.audit-details-raw pre').isVisible()).toBe(false);
      await shot(page, 'audit-details');
      await page.getByTestId('audit-object-history').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('audit-object-chip').waitFor();
      await page.getByTestId('audit-family-all').click();
      await expect.poll(() => rows.count()).toBe(1); // the import is the only entry about that version
      await page.getByTestId('audit-clear').click();
      await expect.poll(() => rows.count()).toBe(total);

      // Actor and dates: everything today; nothing before yesterday.
      const today = new Date().toISOString().slice(0, 10);
      await page.getByTestId('audit-from').fill(today);
      await expect.poll(() => rows.count()).toBe(total);
      await page.getByTestId('audit-to').fill('2000-01-01');
      await page.getByTestId('audit-no-match').waitFor();
      await page.getByTestId('audit-clear').click();
      await page.getByTestId('audit-family-reviews').click();
      await page.getByTestId('audit-text').fill('wrong manual');
      await expect.poll(() => rows.count()).toBe(1);
      await shot(page, 'audit-filtered');

      // Exports of what the filters match: a filtered JSON (entry by entry), then the whole log as CSV and JSON.
      const [filtered] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-json').click()]);
      const filteredFile = await filtered.path();
      expect(verifyAuditExport(fs.readFileSync(filteredFile, 'utf8'), 'json')).toMatchObject({ ok: true, checked: 1, complete: false });
      await page.getByTestId('audit-exported').waitFor();
      await page.getByTestId('audit-clear').click();
      await expect.poll(() => rows.count()).toBeGreaterThan(total); // the export itself was recorded
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-csv').click()]);
      const csvFile = path.join(s.dataDir, csv.suggestedFilename());
      await csv.saveAs(csvFile);
      expect(await script(csvFile)).toMatchObject({ code: 0, out: expect.stringMatching(/OK: \d+ entries verified, an unbroken chain from #1/) });
      const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-json').click()]);
      const jsonFile = path.join(s.dataDir, json.suggestedFilename());
      await json.saveAs(jsonFile);
      expect(await script(jsonFile)).toMatchObject({ code: 0 });

      await page.getByTestId('audit-verify').click();
      await expect.poll(() => page.getByTestId('audit-verify-result').textContent()).toContain('Chain intact');

      // An attacker with the database file drops the append-only trigger and rewrites a review's reason.
      const db = s.server.engine.ctx.db!;
      const target = db.prepare("SELECT seq FROM audit_log WHERE action = 'dataset.review.reject'").get() as { seq: number };
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare("UPDATE audit_log SET details = replace(details, 'wrong manual', 'right manual') WHERE seq = ?").run(target.seq);
      await page.getByTestId('audit-verify').click();
      await expect.poll(() => page.getByTestId('audit-verify-result').textContent()).toContain(`Chain broken at entry #${target.seq}`);
      expect(await page.getByTestId('audit-verify-result').textContent()).toContain('dataset.review.reject');
      // The row itself is marked in the table.
      const marked = rows.filter({ has: page.getByTestId('audit-broken-badge') });
      await expect.poll(() => marked.count()).toBe(1);
      expect(await marked.textContent()).toContain('dataset.review.reject');
      await shot(page, 'audit-tampered');
      // The export taken before the edit still verifies: it is the reviewer's evidence of what the row said.
      expect(await script(jsonFile)).toMatchObject({ code: 0 });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
