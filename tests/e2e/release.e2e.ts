import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportQueries } from '../../src/engine/db/queries/exports.js';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { ARTIFACTS, openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Release of an exported file, in browser mode with real llama.cpp: the Export page shows the export as a draft,
 * the gate refuses the exported file while only base + adapter was evaluated, then the exported GGUF itself is
 * evaluated, the gate binds to those exact bytes and releases them after a confirmation naming the reviewer and the
 * meaning of the approval (the Release button then gives way to "Released by … at …"), the release report is
 * downloaded and opened as a reviewer would, and the export then reads "Released".
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const QA = [
  ['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.'], ['What is a relay?', 'A switch.'],
  ['What is a breaker?', 'A switch that opens on a fault.'], ['What is a bus?', 'A conductor that joins circuits.'], ['What is SCADA?', 'Remote control of the grid.'],
];

let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-release-');
});
afterAll(async () => s?.close());

/** An export folder as the export job leaves it (GGUF + SHA256SUMS, row status draft), and its GGUF registered as a model. */
async function exportedTinyModel(baseId: string) {
  const engine = s.server.engine;
  const folder = path.join(s.dataDir, 'exports', 'grid-assistant');
  fs.mkdirSync(folder, { recursive: true });
  const gguf = path.join(folder, 'grid-assistant-Q8_0.gguf');
  fs.copyFileSync(TINY_GGUF, gguf);
  const sha256 = createHash('sha256').update(fs.readFileSync(gguf)).digest('hex');
  fs.writeFileSync(path.join(folder, 'SHA256SUMS'), `${sha256}  grid-assistant-Q8_0.gguf\n`);
  const x = exportQueries(engine.ctx.db!);
  const now = new Date().toISOString();
  x.insert({ id: 'exp-grid', name: 'grid-assistant', model_id: baseId, base_model_id: baseId, run_id: null, path: folder, formats: '["gguf-q8_0"]', status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: now, finished_at: null, created_by: 'e2e', owner_pid: process.pid, owner_boot: null, owner_start: null });
  x.finish('exp-grid', 'draft', [{ export_id: 'exp-grid', path: 'grid-assistant-Q8_0.gguf', format: 'gguf', quant: 'Q8_0', sha256, bytes: fs.statSync(gguf).size }], null, { gguf: { loads: true } }, null);
  const shipped = (await engine.call('models.import', { path: gguf, name: 'grid-assistant · Q8_0' })).model;
  return { folder, sha256, shipped };
}

describe('release (browser mode, real llama.cpp)', () => {
  it('evaluates the exported file, releases exactly those bytes, writes the report and marks the export released', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny-base');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'tiny-tuned', 'gguf-lora', base.id);
    const { folder, sha256, shipped } = await exportedTinyModel(base.id);
    const file = path.join(s.dataDir, 'grid-qa.jsonl');
    fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
    const imported = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.5 } });

    // Before any decision the export is a draft.
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/export');
    await expect.poll(() => page.getByTestId('export-status').textContent()).toBe('Draft');
    expect((await engine.call('exports.list', {})).exports[0]).toMatchObject({ id: 'exp-grid', releaseState: 'draft', release: null });
    await shot(page, 'release-export-draft');

    // Evaluate the base (A) and base + adapter (B): a good score, but not on the bytes that ship.
    await page.goto(s.server.url + '#/evaluate');
    await expect.poll(() => page.getByTestId('ev-run').isEnabled()).toBe(true);
    await page.getByTestId('ev-max-tokens').fill('10');
    const evaluate = async (modelId: string, adapterId: string | null, count: number) => {
      await page.getByTestId('ev-model').selectOption(modelId);
      if (adapterId) await page.getByTestId('ev-adapter').selectOption(adapterId);
      await page.getByTestId('ev-run').click();
      await expect.poll(() => page.getByTestId('ev-row').count(), { timeout: 60_000 }).toBe(count);
      await expect.poll(() => page.getByTestId('ev-run').isEnabled(), { timeout: 60_000 }).toBe(true);
    };
    await evaluate(base.id, null, 1);
    await evaluate(base.id, adapter.id, 2);

    // "No item loses more than 10 token-F1 points"; the decision is about the exported file, which has no eval yet.
    await page.getByTestId('ev-crit-kind').selectOption('max-regressions');
    await page.getByTestId('ev-crit-points').fill('10');
    await page.getByTestId('ev-crit-add').click();
    await expect.poll(() => page.getByTestId('ev-criteria').textContent()).toMatch(/at most 0 items lose more than 10 token F1 points/);
    await page.getByTestId('ev-ship').selectOption('exp-grid/grid-assistant-Q8_0.gguf');
    await expect.poll(() => page.getByTestId('ev-verdict').textContent()).toMatch(/Does not pass/);
    await expect.poll(() => page.getByTestId('ev-decision').textContent()).toMatch(/exported grid-assistant-Q8_0\.gguf has no finished eval; run the eval on that file/);
    await page.getByTestId('ev-decision').scrollIntoViewIfNeeded();
    await shot(page, 'release-gate-not-the-artefact');

    // Evaluate the exported GGUF itself: the same weights, greedy decoding — it passes, bound to those bytes.
    await evaluate(shipped.id, null, 3);
    await expect.poll(() => page.getByTestId('ev-artefact').textContent()).toMatch(/grid-assistant-Q8_0\.gguf.*grid-assistant/);
    await expect.poll(() => page.getByTestId('ev-verdict').textContent()).toMatch(/Passes the release gate/);
    await page.getByTestId('ev-decision').scrollIntoViewIfNeeded();
    await shot(page, 'release-gate-passes');
    // Release asks first: what ships (model, export file and hash, gate result), who approves it and what that means.
    await page.getByTestId('ev-release').click();
    const dialog = page.getByTestId('release-dialog');
    await dialog.waitFor({ state: 'visible' });
    const facts = (await page.getByTestId('release-facts').textContent()) ?? '';
    for (const must of ['grid-assistant · Q8_0', 'grid-assistant-Q8_0.gguf', sha256, 'Passes 1 of 1 criterion', 'tiny-base']) expect(facts, must).toContain(must);
    await expect.poll(() => page.getByTestId('release-reviewer').inputValue()).toBe(process.env.LATHE_ACTOR ?? os.userInfo().username); // the engine's actor
    expect(await page.getByTestId('release-confirm').isEnabled()).toBe(false); // no meaning chosen yet
    await page.getByTestId('release-reviewer').fill('Dana Reviewer');
    await page.getByTestId('release-meaning').first().check();
    await expect.poll(() => page.getByTestId('release-confirm').isEnabled()).toBe(true);
    for (const [width, height] of [[1440, 900], [1024, 700]] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300);
      const box = await page.getByTestId('release-confirm').boundingBox();
      expect(box && box.y + box.height <= height, `confirm button in view at ${width}x${height}`).toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, `release-dialog-${width}x${height}.png`) });
    }
    // Cancel records nothing; the dialog comes back as it was asked.
    await page.getByTestId('release-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect((await engine.call('gate.get', {})).releases).toEqual([]);
    await page.getByTestId('ev-release').click();
    await page.getByTestId('release-reviewer').fill('Dana Reviewer');
    await page.getByTestId('release-meaning').first().check();
    await page.getByTestId('release-confirm').click();
    await dialog.waitFor({ state: 'detached' });

    // Released: the button is gone for good, replaced by who released it, when, and what it means.
    await expect.poll(() => page.getByTestId('ev-released').textContent()).toMatch(/Released by Dana Reviewer at .*“Approved for release” · ships grid-assistant-Q8_0\.gguf/);
    expect(await page.getByTestId('ev-release').count()).toBe(0);
    expect(await page.getByTestId('ev-override').count()).toBe(0);
    await expect.poll(() => page.getByTestId('ev-releases').textContent()).toMatch(/Released.*ships grid-assistant-Q8_0\.gguf.*Dana Reviewer — Approved for release/);
    await page.getByTestId('ev-released').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'release-released-1024x700.png') });
    await page.setViewportSize({ width: 1360, height: 880 });
    await shot(page, 'release-recorded');

    const { releases } = await engine.call('gate.get', {});
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ decision: 'released', exportId: 'exp-grid', artefactPath: 'grid-assistant-Q8_0.gguf', artefactSha256: sha256, modelId: shipped.id, reviewer: 'Dana Reviewer', meaning: 'Approved for release' });
    const note = JSON.parse(fs.readFileSync(path.join(folder, 'RELEASE.json'), 'utf8')) as Record<string, unknown>;
    expect(note).toMatchObject({ decision: 'released', releaseId: releases[0]!.id, sha256, reviewer: 'Dana Reviewer', meaning: 'Approved for release' });
    const audit = await engine.call('audit.list', { actionPrefix: 'release' });
    expect(audit.entries.find((e) => e.action === 'release')).toMatchObject({ details: { releaseId: releases[0]!.id, reviewer: 'Dana Reviewer', meaning: 'Approved for release' } });
    // The engine refuses the same bytes a second time, whatever the UI shows.
    await expect(engine.call('gate.release', { artefact: { exportId: 'exp-grid' }, baseline: { modelId: base.id, adapterIds: [adapter.id] }, meaning: 'Approved for release' })).rejects.toMatchObject({ code: 'CONFLICT' });

    // The report, downloaded as the reviewer gets it, opened with nothing but the file (no network, no scripts).
    const [htmlDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ev-report-html').first().click()]);
    const reportHtml = fs.readFileSync((await htmlDownload.path())!, 'utf8');
    for (const must of ['RELEASED', sha256, 'grid-assistant-Q8_0.gguf', releases[0]!.id, 'Hash chain intact', 'Evaluation data']) expect(reportHtml, must).toContain(must);
    const [pdfDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ev-report-pdf').first().click()]);
    expect(fs.readFileSync((await pdfDownload.path())!).subarray(0, 5).toString()).toBe('%PDF-');
    const reportFile = path.join(s.dataDir, 'release-report-exported.html');
    fs.writeFileSync(reportFile, reportHtml);
    const reportPage = await context.newPage();
    const external: string[] = [];
    reportPage.on('request', (r) => { if (!r.url().startsWith('file://')) external.push(r.url()); });
    await reportPage.setViewportSize({ width: 1000, height: 1400 });
    await reportPage.goto(`file://${reportFile}`);
    await expect.poll(() => reportPage.locator('h1').textContent()).toBe('grid-assistant · Q8_0');
    await reportPage.screenshot({ path: path.join(ARTIFACTS, 'release-report-exported.png'), fullPage: true });
    await reportPage.close();
    expect(external).toEqual([]);

    // The export now reads "Released", with the shipped file marked.
    await page.goto(s.server.url + '#/export');
    await expect.poll(() => page.getByTestId('export-status').textContent()).toBe('Released');
    await expect.poll(() => page.getByTestId('export-release').textContent()).toMatch(/Passed the release gate — ships grid-assistant-Q8_0\.gguf/);
    expect(await page.getByTestId('export-release').getByTestId('ev-report-pdf').count()).toBe(1); // the report is one click away here too
    await shot(page, 'release-export-released');
    expect((await engine.call('exports.list', {})).exports[0]).toMatchObject({ releaseState: 'released' });
    expect(problems).toEqual([]);
    await context.close();
  });
});
