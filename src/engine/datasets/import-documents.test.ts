import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeDocx, makeEncryptedPdf, makePdf } from '../../../tests/support/document-fixtures.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { chunkText } from './documents/chunking.js';
import { loadTokenCounter, wordCounter } from './documents/tokenizer.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const tableCount = (e: Engine, table: string) => (e.ctx.db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const words = (n: number, w: string) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');
const tinyTokenizer = () => path.join(path.dirname(inject('tinyGguf')), 'hf');

async function manualFolder(dir: string): Promise<string> {
  const docs = path.join(dir, 'manual');
  fs.mkdirSync(path.join(docs, 'chapter-2'), { recursive: true });
  fs.writeFileSync(path.join(docs, 'a-intro.md'), '\uFEFF# Intro\n' + words(100, 'alpha'));
  fs.writeFileSync(path.join(docs, 'b-page.html'), `<html><head><style>p{color:red}</style><script>var x = 1;</script></head><body><h1>Relays</h1><p>${words(30, 'gamma')}</p><img src="x.png"><a href="http://example.invalid">link text</a></body></html>`);
  await makePdf(path.join(docs, 'c-report.pdf'), [[words(15, 'pone')], [words(15, 'ptwo')], [words(15, 'pthree')]]);
  await makeDocx(path.join(docs, 'chapter-2', 'd-procedure.docx'), ['Isolate the feeder.', words(20, 'delta')]);
  fs.writeFileSync(path.join(docs, 'chapter-2', 'e-notes.txt'), words(30, 'beta'));
  fs.writeFileSync(path.join(docs, 'image.png'), Buffer.alloc(10));
  return docs;
}

describe('chunking', () => {
  it('packs words into chunks of at most the size with the asked overlap, keeping exact offsets', () => {
    const text = `  ${words(95, 'w')}\n\n${words(5, 'x')}`;
    const chunks = [...chunkText(text, null, { size: 40, overlap: 10 }, wordCounter)];
    expect(chunks.map((c) => c.size)).toEqual([40, 40, 40]);
    for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
    expect(chunks[1]!.text.startsWith('w30 w31')).toBe(true);
    expect(chunks.at(-1)!.text.endsWith('x4')).toBe(true);
    expect(chunks.at(-1)!.text.startsWith('w60 ')).toBe(true);
  });

  it('names the pages a chunk spans', () => {
    const pages = ['one two three', 'four five six', 'seven'];
    const text = pages.join('\n\n');
    const starts = [0, pages[0]!.length + 2, pages[0]!.length + pages[1]!.length + 4];
    const chunks = [...chunkText(text, starts, { size: 4, overlap: 1 }, wordCounter)];
    expect(chunks.map((c) => c.pages)).toEqual([[1, 2], [2, 3]]);
  });

  it('measures chunks in the base model\'s tokens (tokenizer.json), never over the size', () => {
    const counter = loadTokenCounter(tinyTokenizer());
    const text = fs.readFileSync(path.join('resources', 'samples', 'corpus', fs.readdirSync(path.join('resources', 'samples', 'corpus'))[0]!), 'utf8').slice(0, 20_000);
    const chunks = [...chunkText(text, null, { size: 64, overlap: 16 }, counter)];
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks.slice(0, 40)) {
      expect(c.size).toBeLessThanOrEqual(64);
      // The whole-chunk count agrees with the per-word sum within two tokens (the first word loses its leading space).
      expect(Math.abs(counter.countText(c.text) - c.size)).toBeLessThanOrEqual(2);
    }
    expect(chunks.slice(0, -1).every((c) => c.size > 48)).toBe(true);
    expect(chunks[1]!.start).toBeLessThan(chunks[0]!.end);
  });
});

describe('document import for continued pre-training', () => {
  it('imports a folder of MD, HTML, PDF, DOCX and TXT with file, page and character offset for every chunk', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const docs = await manualFolder(dir);
    const preview = await engine.call('datasets.previewDocuments', { path: docs, chunkSize: 40, overlap: 10 });
    expect(preview).toMatchObject({ kind: 'folder', fileCount: 5, chunking: { unit: 'words', note: expect.stringMatching(/words, not tokens/) }, problems: [] });
    expect(preview.files.map((f) => f.type)).toEqual(['md', 'html', 'pdf', 'docx', 'txt']);

    const r = await engine.call('datasets.importDocuments', { path: docs, datasetName: 'manual', chunkSize: 40, overlap: 10 });
    expect(r).toMatchObject({ fileType: 'documents', format: 'text', rowsRejected: 0, chunking: { unit: 'words', tokenizer: null } });
    const ex = await engine.call('datasets.examples', { versionId: r.versionId, limit: 100 });
    const sources = ex.examples.map((e) => e.source);
    expect(sources[0]).toBe('a-intro.md:chars 0-301');
    expect(sources.filter((s) => s.startsWith('a-intro.md:'))).toHaveLength(4);
    const pdf = ex.examples.filter((e) => e.source.startsWith('c-report.pdf:'));
    expect(pdf.map((e) => e.source)).toEqual([expect.stringMatching(/^c-report\.pdf:p\.1-3:chars 0-\d+$/), expect.stringMatching(/^c-report\.pdf:p\.3:chars \d+-\d+$/)]);
    expect(pdf[0]!.content).toMatchObject({ text: expect.stringMatching(/^pone0 pone1 .*pone14\n\nptwo0 .*pthree0/s) });
    const html = ex.examples.find((e) => e.source.startsWith('b-page.html:'))!;
    expect(html.content).toMatchObject({ text: expect.stringMatching(/^Relays\s+gamma0/) });
    expect(JSON.stringify(html.content)).not.toMatch(/color:red|var x|example\.invalid/);
    const docx = ex.examples.find((e) => e.source.startsWith(path.join('chapter-2', 'd-procedure.docx')))!;
    expect(docx.content).toMatchObject({ text: expect.stringMatching(/^Isolate the feeder\.\s+delta0/) });

    // The import record says that words were used (no tokenizer chosen).
    const versions = await engine.call('datasets.versions', { datasetId: r.datasetId });
    expect(versions.versions[0]!.params).toMatchObject({ chunking: { unit: 'words', size: 40, overlap: 10, note: expect.stringMatching(/No tokenizer/) } });
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.' });
    expect(audit.entries[0]!.details).toMatchObject({ chunking: { unit: 'words' }, sha256: r.sourceSha256 });
  });

  it('chunks by tokens with the chosen tokenizer and records its sha256', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const pdf = await makePdf(path.join(dir, 'grid.pdf'), [['The breaker at bay twelve tripped twice during the storm.', 'Crews reset it at dawn.'], ['Transformers step voltage up or down.']]);
    const r = await engine.call('datasets.importDocuments', { path: pdf, datasetName: 'grid', chunkSize: 16, overlap: 4, tokenizerPath: tinyTokenizer() });
    const sha = (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(path.join(tinyTokenizer(), 'tokenizer.json'))).digest('hex');
    expect(r.chunking).toMatchObject({ unit: 'tokens', size: 16, overlap: 4, tokenizerSha256: sha, note: null });
    const ex = await engine.call('datasets.examples', { versionId: r.versionId });
    const counter = loadTokenCounter(tinyTokenizer());
    expect(ex.total).toBeGreaterThan(2);
    for (const e of ex.examples) expect(counter.countText((e.content as { text: string }).text)).toBeLessThanOrEqual(18);
    expect(ex.examples.at(-1)!.source).toMatch(/^grid\.pdf:p\.2:chars \d+-\d+$/);
    await expect(engine.call('datasets.importDocuments', { path: pdf, datasetName: 'x', tokenizerPath: dir })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no tokenizer\.json/) });
  });

  it('names encrypted and corrupt files; aborts with nothing written, or skips them into the rejects file', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const docs = path.join(dir, 'mixed');
    fs.mkdirSync(path.join(docs, 'scans'), { recursive: true });
    fs.writeFileSync(path.join(docs, 'a-good.txt'), words(50, 'ok'));
    await makeEncryptedPdf(path.join(docs, 'scans', 'locked.pdf'));
    const good = await makePdf(path.join(dir, 'whole.pdf'), [['Some text on a page.']]);
    fs.writeFileSync(path.join(docs, 'scans', 'torn.pdf'), fs.readFileSync(good).subarray(0, 300));
    fs.writeFileSync(path.join(docs, 'z-broken.docx'), 'this is not a zip');

    const locked = path.join('scans', 'locked.pdf');
    const err = await engine.call('datasets.importDocuments', { path: docs, datasetName: 'mixed', chunkSize: 20, overlap: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENTS', message: `${locked} is encrypted (password-protected); remove the password (e.g. print to a new PDF) and import it again. Nothing was imported.` });
    expect((err as { hint: string }).hint).toMatch(/skip bad files/);
    for (const t of ['datasets', 'dataset_versions', 'examples', 'imports']) expect(tableCount(engine, t), t).toBe(0);

    const r = await engine.call('datasets.importDocuments', { path: docs, datasetName: 'mixed', chunkSize: 20, overlap: 2, onError: 'skip' });
    expect(r).toMatchObject({ rowsImported: 3, rowsRejected: 3 });
    const rejects = fs.readFileSync(r.rejectsPath!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { locator: string; problem: string });
    expect(rejects.map((x) => x.locator)).toEqual([locked, path.join('scans', 'torn.pdf'), 'z-broken.docx']);
    expect(rejects[1]!.problem).toMatch(/torn\.pdf (is not a valid PDF|is damaged|holds no text|could not)/);
    expect(rejects[2]!.problem).toMatch(/z-broken\.docx is not a valid DOCX file/);

    const preview = await engine.call('datasets.previewDocuments', { path: docs, chunkSize: 20, overlap: 2, limit: 50 });
    expect(preview.problems).toHaveLength(3);
  });
});
