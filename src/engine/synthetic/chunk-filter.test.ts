import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { makePdf } from '../../../tests/support/document-fixtures.js';
import { Engine } from '../engine.js';
import { chunkMatches } from './chunks.js';

/** Choosing chunks by a filter (search text, document, page range) on a real imported PDF; no inference needed. */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

describe('chunk filter', () => {
  it('counts only matching chunks, and refuses a filter that matches nothing', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const page = (sentence: string) => [sentence, sentence, sentence, sentence];
    const pages = [page('Breakers at bay twelve are inspected every six months by the crew.'), page('Transformers step voltage up or down between networks.'), page('Breakers trip on a fault and are reset by the duty officer.')];
    const pdf = await makePdf(path.join(dir, 'grid.pdf'), pages);
    const docs = await engine.call('datasets.importDocuments', { path: pdf, datasetName: 'grid', chunkSize: 16, overlap: 0 });
    const all = await engine.call('synthetic.estimate', { sourceVersionId: docs.versionId });
    expect(all.chunks).toBeGreaterThanOrEqual(5);
    const breakers = await engine.call('synthetic.estimate', { sourceVersionId: docs.versionId, filter: { text: 'BREAKERS' } });
    expect(breakers.chunks).toBeGreaterThanOrEqual(2);
    expect(breakers.chunks).toBeLessThan(all.chunks);
    const page2 = await engine.call('synthetic.estimate', { sourceVersionId: docs.versionId, filter: { pages: [2, 2] } });
    expect(page2.chunks).toBeGreaterThanOrEqual(1);
    expect(page2.chunks).toBeLessThan(all.chunks);
    const both = await engine.call('synthetic.estimate', { sourceVersionId: docs.versionId, filter: { text: 'breakers', pages: [2, 3], document: 'grid' } });
    expect(both.chunks).toBeGreaterThanOrEqual(1);
    expect(both.chunks).toBeLessThan(breakers.chunks);
    const none = await engine.call('synthetic.estimate', { sourceVersionId: docs.versionId, filter: { document: 'other.pdf' } }).then(() => null, (e: { code: string; hint: string }) => e);
    expect(none).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(none!.hint).toMatch(/filter/);
    const bad = await engine.call('synthetic.estimate', { sourceVersionId: docs.versionId, filter: { pages: [3, 1] } }).then(() => null, (e: { code: string }) => e);
    expect(bad).not.toBeNull();
  }, 30_000);

  it('matches pages by overlap and needs pages when a range is asked', () => {
    const chunk = { position: 0, hash: 'h', text: 'Lock-out procedure', locator: 'manual.pdf:p.3-4:chars 0-18' };
    expect(chunkMatches(chunk, { pages: [4, 9] })).toBe(true);
    expect(chunkMatches(chunk, { pages: [5, 9] })).toBe(false);
    expect(chunkMatches({ ...chunk, locator: 'notes.txt:chars 0-18' }, { pages: [1, 9] })).toBe(false);
    expect(chunkMatches(chunk, { document: 'MANUAL', text: 'lock-out' })).toBe(true);
  });
});
