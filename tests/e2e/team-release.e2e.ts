import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { startBrowserServer, type BrowserServer } from '../../src/engine/server/browser-server.js';
import { clientFor } from '../../src/engine/server/team.test-support.js';
import { launchChromium } from './browser.js';
import { ARTIFACTS, RENDERER_DIR, mainShot } from './datasets-page.js';
import { axeViolations, CHEAP_SCRYPT, expectShell, openTeamPage, realProblems, sessionCookie, signIn, teamDataDir, type Person } from './team-page.js';

/**
 * Team mode's acceptance, end to end (real server, real SQLite, real llama.cpp evals on the tiny GGUF): two people in
 * two browser contexts. Ada (labeller) reviews her queue and cannot release — the page does not offer it and the
 * engine refuses her own session. Rosa (approver) signs the release by entering her password again (a wrong one signs
 * nothing). The audit log, the release report and the lineage then show both names and what the signature means.
 *
 * The gate is "no example loses more than 10 token-F1 points" with a candidate that is the baseline's own file
 * registered again: greedy decoding of the same weights gives the same answers, so it passes whatever the model says.
 */
const ADA = 'ada labels with care 7';
const ROSA = 'rosa signs what she reads 9';
const EVE = 'eve only reads along 3';
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const QA = [
  ['What does LOTO stand for?', 'Lock-out/tag-out.'],
  ['What is a feeder?', 'A line from a substation to customers.'],
  ['What trips a Buchholz relay?', 'Gas or oil surges in the transformer.'],
  ['What is an arc-flash boundary?', 'The distance where the incident energy reaches 1.2 cal/cm².'],
];

let dataDir: string;
let server: BrowserServer;
let browser: Browser;
let ids: { datasetId: string; versionId: string; baseId: string; candidateId: string };
/** The evals the gate compares (made once ada's review is a version). */
const evals = { base: '', candidate: '' };

beforeAll(async () => {
  dataDir = await teamDataDir('lathe-e2e-team-release-', [['ada', 'labeller', ADA], ['rosa', 'approver', ROSA], ['eve', 'viewer', EVE], ['zoe', 'labeller', 'zoe labels elsewhere 5']]);
  server = await startBrowserServer({ dataDir, rendererDir: RENDERER_DIR, mode: 'test', team: true, users: { scrypt: CHEAP_SCRYPT } });
  browser = await launchChromium();

  // What the trainer and the curator did before (as the server's operator): a dataset whose queue is ada's, two models.
  const engine = server.engine;
  const file = path.join(dataDir, 'grid-qa.jsonl');
  fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
  const imported = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
  await engine.call('reviews.assign', { versionId: imported.versionId, labellers: ['ada'] });
  const base = registerGguf(engine, TINY_GGUF, 'grid-base');
  const candidate = registerGguf(engine, TINY_GGUF, 'grid-candidate');
  ids = { datasetId: imported.datasetId, versionId: imported.versionId, baseId: base.id, candidateId: candidate.id };
  await engine.call('gate.set', { criteria: [{ kind: 'max-regressions', metric: 'f1', points: 10, count: 0 }], twoPersonRule: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
});

/** Evaluate: the two evals compared (A baseline, B candidate), and the gate's verdict on B. */
async function openGate(p: Person): Promise<void> {
  await p.page.goto(`${server.url}#/evaluate`);
  await p.page.getByTestId('ev-compare-a').selectOption(evals.base);
  await p.page.getByTestId('ev-compare-b').selectOption(evals.candidate);
  await expect.poll(() => p.page.getByTestId('ev-verdict').textContent().catch(() => ''), { timeout: 30_000 }).toMatch(/Passes the release gate/);
}

/** The dataset's Review tab, as the person signed in on this page sees it. */
async function openReview(page: Page): Promise<void> {
  await page.goto(`${server.url}#/datasets/${ids.datasetId}`);
  await page.getByTestId('detail-tab-review').click();
}

describe('team mode: a labeller labels, an approver signs the release', () => {
  it('the labeller cannot release (page and engine); the approver signs with her password; audit, report and lineage name both', async () => {
    const engine = server.engine;
    const ada = await openTeamPage(browser, server.url, 'light');
    const rosa = await openTeamPage(browser, server.url, 'dark');
    try {
      // Ada reviews her queue: she is the reviewer (no name to type), and her verdicts are hers.
      await signIn(ada.page, 'ada', ADA);
      await expectShell(ada.page, 'ada · labeller');
      await openReview(ada.page);
      await ada.page.getByTestId('review-actions').waitFor({ state: 'visible' });
      expect(await ada.page.getByTestId('review-signed-in').textContent()).toContain('ada');
      expect(await ada.page.getByTestId('review-reviewer').count()).toBe(0);
      expect(await ada.page.getByTestId('review-make-version').count()).toBe(0); // a curator's step
      for (let i = 0; i < QA.length; i += 1) {
        await ada.page.getByTestId('review-accept').click();
        await expect.poll(async () => (await engine.call('reviews.summary', { versionId: ids.versionId })).reviewers).toEqual([{ reviewer: 'ada', actions: i + 1 }]);
      }
      await mainShot(ada.page, 'team-release-labeller-reviewed-light');
      // The curator's step: a version from her review; the evals run on it (real llama.cpp, greedy).
      const reviewed = await engine.call('reviews.makeVersion', { versionId: ids.versionId });
      expect(reviewed).toMatchObject({ kept: QA.length, carried: QA.length });
      const { baseId, candidateId } = ids;
      evals.base = (await engine.call('evals.start', { modelId: baseId, datasetVersionId: reviewed.version.id, split: 'all', maxTokens: 6 })).id;
      evals.candidate = (await engine.call('evals.start', { modelId: candidateId, datasetVersionId: reviewed.version.id, split: 'all', maxTokens: 6 })).id;

      // A blind A/B a trainer sets up (here the operator) waits for ada, the domain expert; she judges with the keys.
      await engine.call('prefs.create', { aEvalId: evals.base, bEvalId: evals.candidate });
      await ada.page.goto(`${server.url}#/evaluate`);
      await ada.page.getByTestId('ev-blind-join').click();
      await ada.page.getByTestId('ev-blind-pair').waitFor({ state: 'visible' });
      expect(await ada.page.getByTestId('ev-blind-start').count()).toBe(0);
      await ada.page.keyboard.press('1');
      await expect.poll(() => ada.page.getByTestId('ev-blind-progress').textContent()).toBe(`2 of ${QA.length}`);

      // Ada sees the gate pass but no way to release, and the page says why.
      await openGate(ada);
      expect(await ada.page.getByTestId('ev-release').count()).toBe(0);
      expect(await ada.page.getByTestId('ev-override').count()).toBe(0);
      expect(await ada.page.getByTestId('ev-gate').textContent()).toContain('Setting release criteria and releasing needs the approver or admin role; you are signed in as a labeller.');
      await ada.page.getByTestId('ev-gate').scrollIntoViewIfNeeded();
      await mainShot(ada.page, 'team-release-labeller-gate-light');
      // The engine refuses her session whatever she sends (her own cookie, her own password).
      const adaSocket = await clientFor(server.port, await sessionCookie(ada.context));
      try {
        const request = { candidate: { modelId: candidateId, adapterIds: [] }, baseline: { modelId: baseId, adapterIds: [] }, meaning: 'Approved for release', password: ADA };
        await expect(adaSocket.client.send('gate.release', request)).rejects.toMatchObject({ code: 'FORBIDDEN' });
        await expect(adaSocket.client.send('gate.override', { ...request, reviewer: 'ada', reason: 'I would like to ship it anyway, please.' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      } finally {
        adaSocket.ws.close();
      }
      expect((await engine.call('gate.get', {})).releases).toEqual([]);

      // Rosa releases: her name is fixed, her password signs; a wrong one signs nothing and says so.
      await signIn(rosa.page, 'rosa', ROSA);
      await expectShell(rosa.page, 'rosa · approver');
      await openGate(rosa);
      await rosa.page.getByTestId('ev-release').click();
      const dialog = rosa.page.getByTestId('release-dialog');
      await dialog.waitFor({ state: 'visible' });
      expect(await rosa.page.getByTestId('release-reviewer').inputValue()).toBe('rosa');
      expect(await rosa.page.getByTestId('release-reviewer').getAttribute('readonly')).not.toBeNull();
      await rosa.page.getByTestId('release-meaning').first().check();
      expect(await rosa.page.getByTestId('release-confirm').isEnabled()).toBe(false); // no password yet
      await rosa.page.getByTestId('release-password').fill('not rosa’s password');
      await rosa.page.getByTestId('release-confirm').click();
      await expect.poll(() => dialog.textContent()).toMatch(/Not released.*nothing was signed/);
      expect((await engine.call('gate.get', {})).releases).toEqual([]);
      const found = await axeViolations(rosa.page, 'release dialog, wrong password [dark]');
      await rosa.page.screenshot({ path: path.join(ARTIFACTS, 'team-release-wrong-password-dark.png') });
      await rosa.page.getByTestId('release-password').fill(ROSA);
      await rosa.page.getByTestId('release-confirm').click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => rosa.page.getByTestId('ev-released').textContent()).toMatch(/Released by rosa at .*“Approved for release”/);
      const signatureLine = await rosa.page.getByTestId('ev-released').getByTestId('signature').textContent();
      expect(signatureLine).toMatch(/^Signed by rosa \(user #\d+\) · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · “Approved for release” · record [0-9a-f]{12}$/);
      await rosa.page.getByTestId('ev-released').scrollIntoViewIfNeeded();
      await mainShot(rosa.page, 'team-release-signed-dark');
      found.push(...(await axeViolations(rosa.page, 'gate, released and signed [dark]')));
      const [release] = (await engine.call('gate.get', {})).releases;
      expect(release).toMatchObject({ decision: 'released', reviewer: 'rosa', createdBy: 'rosa', meaning: 'Approved for release', signatures: [{ name: 'rosa', meaning: 'Approved for release', valid: true }] });

      // The release report, downloaded from the page: the signature in words, verified.
      const download = rosa.page.waitForEvent('download');
      await rosa.page.getByTestId('ev-releases').getByTestId('ev-report-html').first().click();
      const html = fs.readFileSync((await (await download).path())!, 'utf8');
      expect(html).toMatch(/Signature<\/th><td>rosa \(user #\d+\), [\d-]+ [\d:]+ UTC, &quot;Approved for release&quot;, decision sha256 [0-9a-f]{64} - verified/);

      // The lineage: from the release back to the eval and the version ada reviewed — both names, and the meaning.
      await rosa.page.goto(`${server.url}#/lineage/release/${release!.id}`);
      const facts = rosa.page.getByTestId('lineage-facts');
      await expect.poll(() => facts.textContent()).toMatch(/Signed\s*rosa · [\d-]+ [\d:]+ UTC · “Approved for release” · verified/);
      // Four columns fit this window whole: the graph opens with no card cut at its left edge.
      const cut = await rosa.page.getByTestId('lineage-graph').evaluate((g) => {
        const left = g.getBoundingClientRect().left;
        return [...g.querySelectorAll('.lineage-card')].filter((c) => c.getBoundingClientRect().left < left - 1).length;
      });
      expect(cut).toBe(0);
      await mainShot(rosa.page, 'team-release-lineage-dark');
      await rosa.page.goto(`${server.url}#/lineage/version/${reviewed.version.id}`);
      await expect.poll(() => facts.textContent()).toMatch(new RegExp(`Reviewed by\\s*ada ${QA.length}`));
      expect(await rosa.page.getByTestId('lineage-node-release').count()).toBe(1);

      // Eve, a viewer, reads the queue and the comparison but is offered nothing to judge.
      const eve = await openTeamPage(browser, server.url, 'light');
      try {
        await signIn(eve.page, 'eve', EVE);
        await expectShell(eve.page, 'eve · viewer');
        await openReview(eve.page);
        await expect.poll(() => eve.page.getByTestId('review-role-note').textContent()).toContain('Labelling needs the');
        expect(await eve.page.getByTestId('review-signed-in').textContent()).toBe('Reading as eve');
        for (const id of ['review-accept', 'review-undo', 'review-make-version', 'dataset-import-version']) expect(await eve.page.getByTestId(id).count(), id).toBe(0);
        await eve.page.getByTestId('review-queue').focus();
        await eve.page.keyboard.press('a'); // the judging keys are not hers either: nothing is sent
        await mainShot(eve.page, 'team-release-viewer-review-light');
        await eve.page.goto(`${server.url}#/evaluate`);
        await expect.poll(() => eve.page.getByTestId('ev-blind-role-note').textContent()).toContain('Labelling needs the');
        expect(await eve.page.getByTestId('ev-blind-join').count()).toBe(0);
        expect(realProblems(eve.problems)).toEqual([]);
      } finally {
        await eve.context.close();
      }
      expect((await engine.call('reviews.summary', { versionId: ids.versionId })).reviewers).toEqual([{ reviewer: 'ada', actions: QA.length }]);

      // A queue split among others: ada's list says so instead of "no examples"; the engine refuses her a verdict there.
      await engine.call('reviews.assign', { versionId: reviewed.version.id, labellers: ['zoe'] });
      await openReview(ada.page);
      await expect.poll(() => ada.page.getByTestId('review-empty').textContent()).toBe(`None of this version’s ${QA.length} examples is in your queue, ada: a curator split it among other labellers. Ask them to include you.`);

      // The audit log (ada's view: every role reads it): her verdicts and rosa's release and signature, by name.
      await ada.page.goto(`${server.url}#/audit`);
      const rows = ada.page.getByTestId('audit-row');
      await expect.poll(() => rows.count()).toBeGreaterThan(QA.length);
      const table = ada.page.getByTestId('audit-table');
      await expect.poll(() => table.textContent()).toMatch(/rosa[\s\S]*signature/);
      expect(await table.textContent()).toMatch(/rosa[\s\S]*release[\s\S]*ada[\s\S]*dataset\.review\.accept/);
      await mainShot(ada.page, 'team-release-audit-light');
      const signed = await engine.call('audit.list', { actionPrefix: 'signature', limit: 5 });
      expect(signed.entries).toEqual([expect.objectContaining({ actor: 'rosa', objectType: 'release', objectId: release!.id, details: expect.objectContaining({ meaning: 'Approved for release' }) })]);
      const accepts = await engine.call('audit.list', { actionPrefix: 'dataset.review.accept', limit: 20 });
      expect(new Set(accepts.entries.map((e) => e.actor))).toEqual(new Set(['ada']));

      expect(found, found.join('\n')).toEqual([]);
      expect(realProblems(ada.problems)).toEqual([]);
      expect(realProblems(rosa.problems)).toEqual([]);
    } finally {
      await ada.context.close();
      await rosa.context.close();
    }
  }, 240_000);
});
