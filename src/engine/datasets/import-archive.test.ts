import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePdf, makeZip } from '../../../tests/support/document-fixtures.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { extractZip } from './archive/zip-extract.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const tableCount = (e: Engine, table: string) => (e.ctx.db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const qa = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `Question ${from + i}?`, completion: `Answer ${from + i}.` })).join('\n');

function setup() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  return { dir, engine };
}

describe('zip archives', () => {
  it('imports a zip of documents and a zip of task files, streaming entries and cleaning up after', async () => {
    const { dir, engine } = setup();
    const pdf = fs.readFileSync(await makePdf(path.join(dir, 'p.pdf'), [['Breakers trip under overload.'], ['Relays sense faults.']]));
    const docsZip = makeZip(path.join(dir, 'docs.zip'), [
      { name: 'manual/', data: '', store: true },
      { name: 'manual/intro.md', data: '# Intro\nThe grid has three voltage levels.' },
      { name: 'manual/relays.pdf', data: pdf },
      { name: 'manual/photo.jpg', data: Buffer.alloc(100) },
    ]);
    const preview = await engine.call('datasets.previewDocuments', { path: docsZip, chunkSize: 100, overlap: 10 });
    expect(preview).toMatchObject({ kind: 'archive', fileCount: 2 });
    const r = await engine.call('datasets.importDocuments', { path: docsZip, datasetName: 'docs', chunkSize: 100, overlap: 10 });
    expect(r.rowsImported).toBe(2);
    expect(r.sourceSha256).toBe(createHash('sha256').update(fs.readFileSync(docsZip)).digest('hex'));
    const ex = await engine.call('datasets.examples', { versionId: r.versionId });
    expect(ex.examples.map((e) => e.source)).toEqual([expect.stringMatching(/^docs\.zip\/manual\/intro\.md:chars 0-\d+$/), expect.stringMatching(/^docs\.zip\/manual\/relays\.pdf:p\.1-2:chars 0-\d+$/)]);

    const tasksZip = makeZip(path.join(dir, 'tasks.zip'), [
      { name: 'part-1.jsonl', data: qa(0, 20) },
      { name: 'part-2.jsonl', data: qa(20, 5) },
    ]);
    const d = await engine.call('datasets.detect', { path: tasksZip });
    expect(d).toMatchObject({ path: tasksZip, fileType: 'jsonl', format: 'prompt-completion' });
    expect(d.preview[0]!.locator).toBe('part-1.jsonl:line 1');
    const t = await engine.call('datasets.import', { path: tasksZip, datasetName: 'tasks' });
    expect(t.rowsImported).toBe(25);
    const last = await engine.call('datasets.examples', { versionId: t.versionId, offset: 24, limit: 1 });
    expect(last.examples[0]!.source).toBe('tasks.zip:part-2.jsonl:line 5');
    expect(fs.readdirSync(path.join(engine.ctx.dataDir, 'imports')).filter((f) => f.endsWith('.unzipped'))).toEqual([]);

    // A bad row inside an archive names the entry and the line.
    const badZip = makeZip(path.join(dir, 'bad.zip'), [{ name: 'a.jsonl', data: qa(0, 2) + '\n]\n' }]);
    await expect(engine.call('datasets.import', { path: badZip, datasetName: 'bad' })).rejects.toMatchObject({ message: "bad.zip, a.jsonl:line 3: expected a JSON object, got ']' (is this a JSON array file? name it .json). Nothing was imported." });
  });

  it('refuses zip-slip, absolute paths, symlinks and lying or explosive entries, writing nothing anywhere', async () => {
    const { dir, engine } = setup();
    const cases: Array<[string, Parameters<typeof makeZip>[1], RegExp]> = [
      ['slip.zip', [{ name: 'ok.txt', data: 'fine words here' }, { name: '../evil.txt', data: 'pwned' }], /entry "\.\.\/evil\.txt" would be written outside the archive folder \(zip-slip\)/],
      ['deep-slip.zip', [{ name: 'a/../../evil.txt', data: 'pwned' }], /zip-slip/],
      ['absolute.zip', [{ name: '/tmp/lathe-evil.txt', data: 'pwned' }], /entry "\/tmp\/lathe-evil\.txt" would be written outside/],
      ['symlink.zip', [{ name: 'passwd.txt', data: '/etc/passwd', symlink: true }], /entry "passwd\.txt" is a symbolic link/],
      ['liar.zip', [{ name: 'big.txt', data: 'abcdefghij'.repeat(500), declaredSize: 100 }], /entry "big\.txt" declares 100 bytes but holds more/],
      ['liar-stored.zip', [{ name: 'big.txt', data: 'x'.repeat(5000), declaredSize: 100, store: true }], /an entry declares a size that does not match its bytes \(5000 != 100; a zip bomb\?\)/],
      ['bomb.zip', [{ name: 'zeros.txt', data: Buffer.alloc(20 * 1024 * 1024) }], /entry "zeros\.txt" expands \d+× .*zip bomb/],
    ];
    for (const [name, entries, message] of cases) {
      const zip = makeZip(path.join(dir, name), entries);
      const err = await engine.call('datasets.importDocuments', { path: zip, datasetName: name }).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(message) });
      expect((err as { message: string }).message, name).toMatch(new RegExp(`^${name.replace('.', '\\.')}: .*Nothing was imported\\.$`));
      // Detection unpacks only the first task file, but checks every entry's name, type and declared size.
      const det = await engine.call('datasets.detect', { path: zip }).catch((e: unknown) => e);
      expect(det, `detect ${name}`).toMatchObject({ message: name === 'liar.zip' ? expect.stringMatching(/holds documents, not task data/) : expect.stringMatching(message) });
    }
    expect(fs.existsSync(path.join(dir, 'evil.txt'))).toBe(false);
    expect(fs.existsSync(path.join(engine.ctx.dataDir, 'evil.txt'))).toBe(false);
    expect(fs.existsSync('/tmp/lathe-evil.txt')).toBe(false);
    expect(fs.readdirSync(path.join(engine.ctx.dataDir, 'imports'), { recursive: true })).toEqual([]);
    for (const t of ['datasets', 'dataset_versions', 'examples', 'imports']) expect(tableCount(engine, t), t).toBe(0);
  });

  it('caps the entry count and the total uncompressed bytes', async () => {
    const dir = tempDir();
    const many = makeZip(path.join(dir, 'many.zip'), Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, data: `file ${i}` })));
    await expect(extractZip(many, path.join(dir, 'out1'), { maxEntries: 10, maxTotalBytes: 1e9, maxRatio: 200 })).rejects.toMatchObject({ message: /more than 10 entries/ });
    const big = makeZip(path.join(dir, 'big.zip'), [{ name: 'a.txt', data: 'a'.repeat(600), store: true }, { name: 'b.txt', data: 'b'.repeat(600), store: true }]);
    await expect(extractZip(big, path.join(dir, 'out2'), { maxEntries: 10, maxTotalBytes: 1000, maxRatio: 200 })).rejects.toMatchObject({ message: /declare more than 1000 bytes/ });
    expect(fs.existsSync(path.join(dir, 'out1'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'out2'))).toBe(false);
    const ok = await extractZip(big, path.join(dir, 'out3'), { maxEntries: 10, maxTotalBytes: 2000, maxRatio: 200 });
    expect(ok.bytes).toBe(1200);
    const garbage = path.join(dir, 'garbage.zip');
    fs.writeFileSync(garbage, 'not a zip at all');
    await expect(extractZip(garbage, path.join(dir, 'out4'))).rejects.toMatchObject({ message: /garbage\.zip is not a readable zip archive/ });
  });
});
