import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

let session: E2eSession;
let browser: Browser;
let fixtures: string;
let datasetId: string;
let versionId: string;

const QA: Array<[string, string]> = [
  ['What does LOTO stand for?', 'Lock-out, tag-out: isolate every energy source before work starts.'],
  ['Who may switch a feeder back on?', 'Anyone on the crew.'],
  ['What must be worn near a live 11 kV bay?', 'Arc-rated clothing and a face shield.'],
  ['How often are reclosers inspected?', 'Every twelve months, or after three trips in a week.'],
  ['What is the minimum approach distance at 33 kV?', '1.0 metre for qualified staff.'],
  ['Who signs the permit to work?', 'The authorised person in charge of the switching.'],
  ['What is an earth switch for?', 'It connects isolated conductors to earth so stored charge cannot hurt anyone.'],
  ['When is a transformer oil sample taken?', 'Once a year, and after any fault that tripped it.'],
  ['What does a Buchholz relay detect?', 'Gas or oil surges inside an oil-filled transformer.'],
  ['Who do I call after a trip?', 'Call the control room on 0161 555 0134 at once.'],
  ['What is a recloser?', 'A breaker that closes again automatically after a fault clears.'],
  ['What is a recloser device?', 'A breaker that closes again automatically after a fault clears.'],
];

beforeAll(async () => {
  session = await startE2eSession('lathe-e2e-review-');
  browser = session.browser;
  fixtures = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-review-fixtures-'));
  const file = path.join(fixtures, 'switching-faq.jsonl');
  fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
  // The import path itself is covered by the import specs; here the engine imports, the UI reviews.
  const r = await session.server.engine.call('datasets.import', { path: file, datasetName: 'switching-faq' });
  datasetId = r.datasetId;
  versionId = r.versionId;
});

afterAll(async () => {
  await session?.close();
  if (fixtures) await fs.promises.rm(fixtures, { recursive: true, force: true });
});

/** What the reviewer adds to #3's answer: long enough to wrap over several lines of the edit box. */
const ADDED = ' Check the rating plate first. Then confirm the bay is isolated and earthed at both ends, and note the fault level, the protection settings and any alarms before anyone goes near it.';

const card = (page: Page) => page.getByTestId('review-card');
const cardPos = (page: Page) => card(page).getAttribute('data-position');
const bodyText = async (page: Page) => (await page.locator('body').textContent()) ?? '';

/** The card's action buttons lie inside the window as it is, with no scrolling by the test. */
async function cardInView(page: Page): Promise<boolean> {
  const viewport = page.viewportSize()!;
  const box = await page.getByTestId('review-actions').boundingBox();
  const head = await card(page).boundingBox();
  return !!box && !!head && head.y >= 0 && box.y + box.height <= viewport.height;
}

/** Opens the Review tab afresh at a window size and pictures what a reviewer sees first (not the full page). */
async function openReviewAt(page: Page, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.getByTestId('detail-tab-examples').click();
  await page.getByTestId('detail-tab-review').click();
  await page.getByTestId('review-actions').waitFor({ state: 'visible' });
  await expect.poll(() => cardInView(page)).toBe(true);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, `datasets-review-card-${width}x${height}.png`) });
}

describe('review queue', () => {
  it('reviews five examples by mouse and keyboard, makes a version, compares it and exports it', async () => {
    const { context, page, problems } = await openApp(browser, session.server.url, 'light', `#/datasets/${datasetId}`);
    try {
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v1 · 12');
      // The Examples tab searches the version: one match, opened beside the list; clearing brings the table back.
      await page.getByTestId('examples-search').fill('Buchholz relay');
      await expect.poll(() => page.getByTestId('search-row').count()).toBe(1);
      expect(await page.getByTestId('examples-search-status').textContent()).toBe('1 match');
      await page.getByTestId('search-row').click();
      await expect.poll(() => page.getByTestId('example-panel').textContent()).toContain('Gas or oil surges');
      await shot(page, 'datasets-examples-search-light');
      await page.getByTestId('examples-search').fill('Buchholz sark');
      await expect.poll(() => page.getByTestId('examples-search-results').textContent()).toContain('No example of this version has every one of these words');
      await page.getByTestId('examples-search-clear').click();
      await expect.poll(() => page.getByTestId('example-row').count()).toBe(12);
      await page.keyboard.press('Escape');
      // To the Review tab with the arrow keys; the queue takes focus.
      await page.getByTestId('detail-tab-examples').focus();
      await page.keyboard.press('ArrowRight');
      await page.getByTestId('review-queue').waitFor({ state: 'visible' });
      await expect.poll(() => cardPos(page)).toBe('0');
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('review-queue');
      await page.getByTestId('review-reviewer').fill('ana');
      await page.getByTestId('review-queue').focus();

      // The card and its buttons are in view as the queue opens, on a large and on a small laptop screen.
      await openReviewAt(page, 1024, 700);
      await openReviewAt(page, 1440, 900);
      expect(await page.getByTestId('review-actions').textContent()).toMatch(/Accept ?A.*Reject ?R.*Edit ?E.*Skip ?S.*Comment ?C.*Tag ?T/);
      await expect.poll(() => cardPos(page)).toBe('0');

      // By mouse: accept #1, reject #2, edit #3 (a new revision).
      await page.getByTestId('review-accept').click();
      await expect.poll(() => cardPos(page)).toBe('1');
      await page.getByTestId('review-reject').click();
      await expect.poll(() => cardPos(page)).toBe('2');
      await page.getByTestId('review-edit').click();
      await page.getByTestId('review-editor').waitFor({ state: 'visible' });
      const turn = page.getByTestId('review-edit-turn').last();
      await turn.press('End');
      await turn.pressSequentially(ADDED);
      // The box grows with the text: four lines at least, and no line hidden behind a scrollbar.
      const fit = await turn.evaluate((el: HTMLTextAreaElement) => ({ client: el.clientHeight, scroll: el.scrollHeight, line: parseFloat(getComputedStyle(el).lineHeight) }));
      expect(fit.scroll).toBeLessThanOrEqual(fit.client + 1);
      expect(fit.client).toBeGreaterThanOrEqual(4 * fit.line);
      await page.screenshot({ path: path.join(ARTIFACTS, 'datasets-review-editing-1440x900.png') });
      await page.getByTestId('review-edit-save').click();
      await expect.poll(() => cardPos(page)).toBe('3');
      await page.keyboard.press('s'); // #4 skipped
      await expect.poll(() => cardPos(page)).toBe('4');
      await page.keyboard.press('t'); // #5 tagged, then accepted
      await page.getByTestId('review-tag-input').waitFor({ state: 'visible' });
      await page.keyboard.type('needs-source');
      await page.keyboard.press('Enter');
      await expect.poll(() => card(page).getByTestId('review-tag').allTextContents()).toEqual(['needs-source']);
      await page.keyboard.press('c');
      await page.keyboard.type('Check against the 2024 safety rules.');
      await page.keyboard.press('Enter');
      await expect.poll(() => card(page).getByTestId('review-history-entry').count()).toBe(2);
      await page.keyboard.press('a');
      await expect.poll(() => cardPos(page)).toBe('5');
      // Undo takes back the last action and returns to it; Ctrl+Z does the same.
      await page.keyboard.press('a');
      await expect.poll(() => cardPos(page)).toBe('6');
      await page.keyboard.press('u');
      await expect.poll(() => cardPos(page)).toBe('5');
      await expect.poll(() => page.getByTestId('review-status').textContent()).toBe('Unreviewed');
      await expect.poll(() => page.getByTestId('review-reviewed').textContent()).toBe('5');
      // History and verdicts arrive by their own call after the card moves: poll them too (CI is slower than here).
      await expect.poll(() => card(page).getByTestId('review-history-entry').first().textContent()).toMatch(/accepted.*\(undone\)/);

      // A second reviewer disagrees on #1.
      await page.getByTestId('review-reviewer').fill('bob');
      await page.getByTestId('review-queue').focus();
      for (let i = 0; i < 5; i++) await page.keyboard.press('k');
      await expect.poll(() => cardPos(page)).toBe('0');
      await page.keyboard.press('r');
      await expect.poll(() => cardPos(page)).toBe('1');
      await page.keyboard.press('k');
      await expect.poll(() => cardPos(page)).toBe('0');
      await expect.poll(() => page.getByTestId('review-status').textContent()).toBe('Disagreement');
      await expect.poll(() => page.getByTestId('review-verdict').allTextContents()).toEqual(['ana accepted', 'bob rejected']);
      // Agreement on the one example both judged: accept vs reject is no better than chance (alpha and kappa 0).
      await expect.poll(() => page.getByTestId('review-agreement').textContent().catch(() => '')).toBe('Agreement on 1 example judged by two or more: verdicts α 0.00 · ana–bob κ 0.00 (1)');
      // A curator splits the queue between the two, half judged by both; progress per labeller follows.
      await page.getByTestId('review-assign-open').click();
      await page.getByTestId('review-assign-labellers').fill('ana, bob');
      await page.getByTestId('review-assign-overlap').fill('50');
      await page.getByTestId('review-assign-submit').click();
      await expect.poll(() => page.getByTestId('review-assignments-progress').textContent()).toMatch(/^Queues ana \d+\/\d+ · bob \d+\/\d+ · \d+ judged by two \(50\s%\)$/);
      // A curator settles the disagreement on #1, with the reason; the labellers' verdicts stay as given.
      await page.getByTestId('review-settle-reason').fill('The answer skips the lock-out step');
      await page.getByTestId('review-settle-reject').click();
      await expect.poll(() => page.getByTestId('review-status').textContent()).toBe('Rejected');
      expect(await page.getByTestId('review-settled').textContent()).toMatch(/^Settled by \S+: rejected — The answer skips the lock-out step$/);
      expect(await page.getByTestId('review-verdict').allTextContents()).toEqual(['ana accepted', 'bob rejected']);
      await page.getByTestId('review-queue').focus();
      await shot(page, 'datasets-review-light');
      // One labeller's queue at a glance: picking "ana" lists only her examples; picking her again lists all.
      const { progress } = await session.server.engine.call('reviews.assignments', { versionId });
      const anas = progress.find((p) => p.labeller === 'ana')!.assigned;
      expect(anas).toBeLessThan(12);
      await page.getByTestId('review-queue-pick').first().click();
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(anas);
      expect(await page.getByTestId('review-queue-pick').first().getAttribute('aria-pressed')).toBe('true');
      await page.getByTestId('review-queue-pick').first().click();
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(12);
      await page.getByTestId('review-queue').focus();

      // Filters: status and tag narrow the list.
      await page.getByTestId('filter-status').selectOption('edited');
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(1);
      expect(await card(page).textContent()).toContain('Check the rating plate first.');
      // The history shows what the edit changed as text: the added words, no hashes.
      await expect.poll(() => card(page).getByTestId('review-history-diff').textContent()).toMatch(/^Assistant.*Arc-rated clothing and a face shield\. Check the rating plate first\./);
      expect(await card(page).getByTestId('review-diff-added').allTextContents()).toEqual([expect.stringMatching(/^ ?Check the rating plate first\. Then confirm/)]);
      expect(await card(page).getByTestId('review-history').textContent()).not.toMatch(/[0-9a-f]{6}\s*→/);
      await card(page).getByTestId('review-history').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'datasets-review-history-diff.png') });
      await page.getByTestId('filter-status').selectOption('');
      await page.getByTestId('filter-tag').selectOption('needs-source');
      await expect.poll(() => cardPos(page)).toBe('4');
      await page.getByTestId('filter-clear').click();
      await page.getByTestId('filter-duplicates').selectOption('yes');
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(2);
      await page.getByTestId('filter-duplicates').selectOption('');
      await page.getByTestId('filter-search').fill('Buchholz');
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(1);
      await shot(page, 'datasets-review-filtered-light');
      await page.getByTestId('filter-clear').click();
      await expect.poll(() => page.getByTestId('review-item').count()).toBe(12);

      // Make a version from the review: #5 accepted and #3 edited; the disputed #1 and the rest stay out.
      await page.getByTestId('review-make-version').click();
      await expect.poll(() => bodyText(page)).toMatch(/Version 2: kept 2 \(1 edited\), left out 10/);
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v2 · 2');
      expect(await page.getByTestId('version-row').first().textContent()).toMatch(/Reviewed.*v1/);
      // v2's examples were judged in v1: the queue counts them as reviewed (it read "0 of 2 reviewed").
      await expect.poll(() => page.getByTestId('review-progress').textContent()).toMatch(/^2 of 2 reviewed/);
      await expect.poll(() => page.getByTestId('review-count-accepted').textContent()).toBe('Accepted 2');
      await expect.poll(() => card(page).getByTestId('review-history-entry').first().textContent()).toMatch(/ana accepted in v1 #3/);

      // The diff against v1: one changed (the edit), one unchanged, ten removed.
      await page.getByTestId('versions-compare').click();
      await page.getByTestId('compare-panel').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('diff-removed').textContent()).toMatch(/^10/);
      expect(await page.getByTestId('diff-changed').textContent()).toMatch(/^1/);
      expect(await page.getByTestId('diff-unchanged').textContent()).toMatch(/^1/);
      // The changed tile is open: the edited example side by side, the reviewer's words marked as added.
      expect(await page.getByTestId('diff-changed').getAttribute('aria-pressed')).toBe('true');
      await expect.poll(() => page.getByTestId('diff-item').count()).toBe(1);
      expect(await page.getByTestId('diff-before').first().textContent()).not.toContain('Check the rating plate first');
      expect((await page.getByTestId('diff-after').locator('ins').allTextContents()).join('')).toContain('Check the rating plate first');
      await shot(page, 'datasets-review-compare-light');
      // The removed tile lists the ten left out, a page at a time.
      await page.getByTestId('diff-removed').click();
      await expect.poll(() => page.getByTestId('diff-item').count()).toBe(10);
      expect(await page.getByTestId('diff-list').locator('.diff-list-count').textContent()).toBe('1–10 of 10 removed');

      // Export v2 as OpenAI chat JSONL with its manifest.
      const out = path.join(fixtures, 'export', 'reviewed.jsonl');
      await page.getByTestId('version-export').click();
      await page.getByTestId('export-dialog').waitFor({ state: 'visible' });
      await page.getByTestId('export-path').fill(out);
      await page.getByTestId('export-confirm').click();
      await expect.poll(() => page.getByTestId('export-result-lines').textContent()).toBe('2');
      await shot(page, 'datasets-review-export-light');
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { messages: Array<{ content: string }> });
      expect(lines.map((l) => l.messages[0]!.content)).toEqual([QA[2]![0], QA[4]![0]]);
      expect(lines[0]!.messages[1]!.content).toBe(`${QA[2]![1]}${ADDED}`);
      const manifest = JSON.parse(fs.readFileSync(path.join(fixtures, 'export', 'reviewed.manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ version: { number: 2 }, counts: { examples: 2 }, operations: [{ operation: 'import' }, { operation: 'review' }] });
      await page.keyboard.press('Escape');
      await page.getByTestId('export-dialog').waitFor({ state: 'detached' });

      // Stats for v2 with the tiny model's tokenizer: a histogram.
      // The tokenizer comes from the model registry, picked by name (a typed path is the fallback).
      const hf = path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/hf');
      const hasTiny = fs.existsSync(path.join(hf, 'tokenizer.json'));
      if (hasTiny) await session.server.engine.call('models.import', { path: hf, name: 'Tiny base' });
      await page.getByTestId('detail-tab-stats').click();
      await expect.poll(() => page.getByTestId('stats-examples').textContent()).toBe('2');
      if (hasTiny) {
        await expect.poll(() => page.getByTestId('stats-tokenizer-model').locator('option').allTextContents()).toContain('Tiny base · LlamaForCausalLM');
        await page.getByTestId('stats-tokenizer-model').selectOption({ label: 'Tiny base · LlamaForCausalLM' });
        expect(await page.getByTestId('stats-tokenizer').count()).toBe(0); // no path to type
        await page.getByTestId('stats-count').click();
        await page.getByTestId('stats-histogram').waitFor({ state: 'visible' });
        await expect.poll(() => page.getByTestId('stats-tokens').textContent()).toMatch(/^\d+$/);
      }
      await shot(page, 'datasets-review-stats-light');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the review and a recipe in dark', async () => {
    const { context, page, problems } = await openApp(browser, session.server.url, 'dark', `#/datasets/${datasetId}`);
    try {
      await page.getByTestId('version-row').nth(1).click(); // v1, the reviewed one
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v1 · 12');
      await page.getByTestId('detail-tab-review').click();
      await expect.poll(() => page.getByTestId('review-reviewed').textContent()).toBe('5');
      await shot(page, 'datasets-review-dark');

      // A filter step from the toolbar: keep only the recloser questions, as a new version.
      await page.getByTestId('curate-filter').click();
      await page.getByTestId('filter-dialog').waitFor({ state: 'visible' });
      await page.getByTestId('filter-include').fill('recloser');
      await page.getByTestId('filter-confirm').click();
      await page.getByTestId('filter-dialog').waitFor({ state: 'detached' });
      await expect.poll(() => bodyText(page)).toMatch(/Version 3: removed 9/);
      await expect.poll(() => page.getByTestId('examples-meta').textContent()).toBe('v3 · 3');
      expect(await page.getByTestId('version-row').first().textContent()).toMatch(/Filtered/);

      await page.goto(session.server.url + '#/datasets');
      await page.getByTestId('recipe-new').click();
      await page.getByTestId('recipe-name').fill('faq-mix');
      const hf = path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/hf');
      if (fs.existsSync(path.join(hf, 'tokenizer.json'))) {
        // A folder that is not registered: "Another folder…", then its path.
        await page.getByTestId('recipe-tokenizer-model').selectOption({ label: 'Another folder or tokenizer.json…' });
        await page.getByTestId('recipe-tokenizer').fill(hf);
      }
      await page.getByTestId('recipe-add').click();
      // The second component: the unreviewed v1, at a smaller share.
      await page.getByTestId('recipe-row').nth(1).getByLabel('Version').selectOption({ label: 'v1 · 12' });
      await page.getByTestId('recipe-ratio').nth(1).fill('25');
      await page.getByTestId('recipe-save').click();
      await expect.poll(() => page.getByTestId('recipe').count()).toBe(1);
      expect(await page.getByTestId('recipe-component').allTextContents()).toEqual([expect.stringMatching(/switching-faq v3chat67%3 ex\./), expect.stringMatching(/switching-faq v1chat33%12 ex\./)]);
      await shot(page, 'datasets-recipes-dark');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
