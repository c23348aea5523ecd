import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { makePdf } from '../support/document-fixtures.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Generate in browser mode (issue 7): a PDF's chunks → live preview on one chunk → 10 generated examples with the
 * tiny GGUF as teacher → the review queue of the new version, reviewed with the keyboard → a reviewed version.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');

let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-generate-');
});
afterAll(async () => s?.close());

describe('generate (browser mode, real llama.cpp)', () => {
  it('generates 10 examples from a PDF, reviews them with the keyboard and makes a version', async () => {
    const engine = s.server.engine;
    registerGguf(engine, TINY_GGUF, 'tiny teacher');
    const text = fs.readFileSync(path.resolve('resources/samples/corpus/northwind-05-lockout-tagout.txt'), 'utf8');
    const sentences = text.split(/(?<=\.)\s+/).filter((x) => x.trim()).slice(0, 60);
    const pdf = await makePdf(path.join(s.dataDir, 'loto.pdf'), [sentences.slice(0, 20), sentences.slice(20, 40), sentences.slice(40, 60)]);
    const docs = await engine.call('datasets.importDocuments', { path: pdf, datasetName: 'LOTO manual', chunkSize: 40, overlap: 4 });
    expect(docs.rowsImported).toBeGreaterThanOrEqual(10);

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/generate');
    await expect.poll(() => page.getByTestId('generate-form').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('generate-model').inputValue()).not.toBe('');
    await page.getByTestId('generate-max-tokens').fill('96');
    await page.getByTestId('generate-count').fill('10');
    await expect.poll(() => page.getByTestId('generate-estimate').textContent()).toMatch(/^10 chunks · ~[\d,]+ prompt tokens · up to 960 output tokens/);

    // Live preview on one chunk, by keyboard: the source chunk beside the teacher's output and its grounding verdict.
    await page.getByTestId('generate-preview-run').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('generate-preview-source').textContent(), { timeout: 60_000 }).toMatch(/\w+/);
    await expect.poll(() => page.getByTestId('generate-estimate').textContent()).toMatch(/about \d+ s/);
    await shot(page, 'generate-preview-light');

    await page.getByTestId('generate-start').click();
    await expect.poll(async () => (await engine.call('synthetic.list', {})).jobs[0]?.status, { timeout: 120_000 }).toBe('done');
    const job = (await engine.call('synthetic.list', {})).jobs[0]!;
    expect(job.items + job.duplicates + job.problems).toBe(10); // each chunk: an example, a duplicate, or a problem
    // The grammar fixes the JSON shape of each answer, not its words (a blank field gives a chunk nothing), so how many
    // of the ten chunks give a usable example is the tiny model's business; reviewing needs two, to move between them.
    expect(job.items, 'the tiny teacher gave fewer than 2 usable examples from 10 chunks').toBeGreaterThanOrEqual(2);
    await page.getByTestId('generate-done').waitFor({ state: 'visible', timeout: 30_000 });
    const doneText = (await page.getByTestId('generate-done').textContent()) ?? '';
    const made = Number(/(\d+) examples are waiting for review/.exec(doneText)?.[1]);
    expect(made).toBe(job.items);
    expect(doneText).toContain(job.problems ? `${job.problems} chunks gave no example` : 'review in');
    await page.getByTestId('generate-done').scrollIntoViewIfNeeded();
    await shot(page, 'generate-done-light');

    // The review queue of the new version: every example unreviewed; accept and reject with the keyboard.
    await page.getByRole('link', { name: 'Open the review queue' }).click();
    await page.getByTestId('detail-tab-examples').focus();
    await page.keyboard.press('ArrowRight');
    await page.getByTestId('review-queue').waitFor({ state: 'visible' });
    await page.getByTestId('review-reviewer').fill('ana');

    // Beside the current example: the chunk it was generated from, its grounding flag and the teacher.
    const first = await engine.call('synthetic.item', { versionId: job.targetVersionId!, position: 0 });
    expect(first.chunk).toMatch(/\w+/);
    await expect.poll(() => page.getByTestId('review-source-text').textContent()).toBe(first.chunk);
    await expect.poll(() => page.getByTestId('review-source-grounding').textContent()).toMatch(first.item!.grounding.grounded ? /^Grounded/ : /^Not grounded/);
    const sourceText = (await page.getByTestId('review-source').textContent()) ?? '';
    expect(sourceText).toContain(first.item!.provenance.document);
    expect(sourceText).toContain(`Teacher ${first.item!.provenance.teacher.name}`);
    expect(sourceText).toContain(`template ${first.item!.provenance.template.version}`);
    await page.getByTestId('review-card').scrollIntoViewIfNeeded();
    await shot(page, 'generate-review-source');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await shot(page, 'generate-review-source-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('light');

    // Moving on (J) brings the next example's own chunk.
    const second = await engine.call('synthetic.item', { versionId: job.targetVersionId!, position: 1 });
    await page.getByTestId('review-queue').focus();
    await page.keyboard.press('j');
    await expect.poll(() => page.getByTestId('review-source-text').textContent()).toBe(second.chunk);
    await page.keyboard.press('k');
    await expect.poll(() => page.getByTestId('review-source-text').textContent()).toBe(first.chunk);
    await page.getByTestId('review-queue').focus();
    for (let i = 0; i < made; i++) {
      await page.keyboard.press(i % 3 === 2 ? 'r' : 'a');
      await expect.poll(() => page.getByTestId('review-reviewed').textContent()).toBe(String(i + 1));
    }
    await shot(page, 'generate-review-light');
    await page.getByTestId('review-make-version').click();
    const kept = made - Math.floor(made / 3);
    await expect.poll(() => page.locator('body').textContent()).toMatch(new RegExp(`kept ${kept}`));
    await shot(page, 'generate-reviewed-version-light');
    // The reviewed version renumbers examples; an unedited one still finds its source by content hash.
    // Generated examples live in their own task dataset ("LOTO manual — generated Q&A"), not among the chunks.
    const reviewed = (await engine.call('datasets.versions', { datasetId: job.targetDatasetId! })).versions[0]!;
    expect(reviewed.id).not.toBe(job.targetVersionId);
    const keptFirst = (await engine.call('datasets.examples', { versionId: reviewed.id, limit: 1 })).examples[0]!;
    const viaHash = await engine.call('synthetic.item', { versionId: reviewed.id, position: keptFirst.position, contentHash: keptFirst.contentHash });
    expect(viaHash.item?.provenance.jobId).toBe(job.id);
    expect(viaHash.chunk).toMatch(/\w+/);
    expect((await engine.call('synthetic.item', { versionId: reviewed.id, position: keptFirst.position })).item).toBeNull();

    // Back on Generate, the source is still the chunks (v1), not the generated v2 or the reviewed v3 made from it.
    await page.getByTestId('nav-generate').click();
    await expect.poll(() => page.getByTestId('generate-form').textContent()).toMatch(/Chunks of v1 \(not earlier generations\)/);
    expect(problems).toEqual([]);
    await context.close();
  });
});
