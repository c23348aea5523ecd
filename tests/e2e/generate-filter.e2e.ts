import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { makePdf } from '../support/document-fixtures.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Generate from part of a document (a chunk filter: text, document, pages) with a teacher adapter picked in the
 * Generate page; the job's examples carry the adapter in their provenance and come only from matching chunks.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');

let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-generate-filter-');
});
afterAll(async () => s?.close());

describe('generate with a chunk filter and a teacher adapter (browser mode, real llama.cpp)', () => {
  it('estimates and generates only from page 2, with the adapter in every provenance', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny teacher');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'grid adapter', 'gguf-lora', base.id);
    const para = (t: string) => [t, t, t, t];
    const pdf = await makePdf(path.join(s.dataDir, 'grid.pdf'), [para('Breakers at bay twelve are inspected every six months.'), para('Transformers step voltage up or down between networks.'), para('Feeders carry power from the substation to customers.')]);
    const docs = await engine.call('datasets.importDocuments', { path: pdf, datasetName: 'Grid manual', chunkSize: 16, overlap: 0 });

    const { page, problems } = await openApp(s.browser, s.server.url, 'light', '#/generate');
    await expect.poll(() => page.getByTestId('generate-model').inputValue()).toBe(base.id);
    await page.getByTestId('generate-max-tokens').fill('48');
    await page.getByTestId('generate-count').fill('50');
    await expect.poll(() => page.getByTestId('generate-estimate').textContent()).toMatch(/^\d+ chunks/);
    const all = Number(/^(\d+) chunks/.exec((await page.getByTestId('generate-estimate').textContent())!)![1]);
    await page.getByTestId('generate-filter-text').fill('transformers');
    await page.getByTestId('generate-filter-from').fill('2');
    await page.getByTestId('generate-filter-to').fill('2');
    await expect.poll(async () => Number(/^(\d+) chunks/.exec((await page.getByTestId('generate-estimate').textContent()) ?? '')?.[1])).toBeLessThan(all);
    await page.getByTestId('generate-adapter').selectOption(adapter.id);
    await shot(page, 'generate-filter-adapter');

    await page.getByTestId('generate-start').click();
    await expect.poll(async () => (await engine.call('synthetic.list', {})).jobs[0]?.status, { timeout: 90_000 }).toBe('done');
    const [job] = (await engine.call('synthetic.list', {})).jobs;
    // The job read only the matching chunks (page 2, "transformers"), each once, with the adapter as teacher.
    const row = engine.ctx.db!.prepare('SELECT adapter_ids AS adapters, chunk_limit AS n FROM synthetic_jobs WHERE id = ?').get(job!.id) as { adapters: string; n: number };
    expect(JSON.parse(row.adapters)).toEqual([adapter.id]);
    const read = (engine.ctx.db!.prepare('SELECT chunk_position AS position FROM synthetic_chunks WHERE job_id = ? ORDER BY chunk_position').all(job!.id) as Array<{ position: number }>).map((c) => c.position);
    const chunks = (await engine.call('datasets.examples', { versionId: docs.versionId, offset: 0, limit: 100 })).examples;
    const onPage2 = (locator: string) => {
      const m = /:p\.(\d+)(?:-(\d+))?:/.exec(locator);
      return Boolean(m) && Number(m![1]) <= 2 && Number(m![2] ?? m![1]) >= 2;
    };
    const matching = chunks.filter((c) => (c.content as { text: string }).text.toLowerCase().includes('transformers') && onPage2(c.source)).map((c) => c.position);
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThan(all);
    expect(read).toEqual(matching.slice(0, row.n));
    expect(job!.items + job!.duplicates + job!.problems).toBe(read.length);
    // The examples it made (how many chunks give a usable one is the tiny model's business) carry the adapter and their chunk.
    if (job!.targetVersionId) await page.getByTestId('generate-done').waitFor({ state: 'visible', timeout: 30_000 });
    const examples = job!.targetVersionId ? (await engine.call('datasets.examples', { versionId: job!.targetVersionId, offset: 0, limit: 50 })).examples : [];
    expect(examples).toHaveLength(job!.items);
    for (let position = 0; position < examples.length; position++) {
      const { item, chunk } = await engine.call('synthetic.item', { versionId: job!.targetVersionId!, position });
      expect(item!.provenance.teacher.adapters.map((a) => a.id)).toEqual([adapter.id]);
      expect(item!.provenance.pages![0]).toBeLessThanOrEqual(2);
      expect(item!.provenance.pages![1]).toBeGreaterThanOrEqual(2);
      expect(chunk!.toLowerCase()).toContain('transformers');
    }
    void docs;
    expect(problems).toEqual([]);
  }, 150_000);
});
