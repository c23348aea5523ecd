import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { guessLanguage } from './language.js';
import { isGarbled } from './filters.js';
import { materializeRecipe } from './recipes.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const hf = () => path.join(path.dirname(inject('tinyGguf')), 'hf');
const qa = (q: string, a: string) => JSON.stringify({ prompt: q, completion: a });
const LINES = [
  qa('What is LOTO?', 'Lock-out, tag-out: isolate every energy source before work starts on the feeder.'),
  qa('Who signs the permit?', 'The shift supervisor signs the permit to work.'),
  qa('Empty?', '  ...  '),
  qa('Broken?', 'The rel\uFFFDy tripped at 3 kV.'),
  qa('Symbols?', '#### $$$$ a %%%% ^^^^ &&&& ****'),
  qa('Wer unterschreibt die Genehmigung?', 'Der Schichtleiter unterschreibt die Genehmigung und das ist nicht optional.'),
  qa('Is it safe?', 'Yes.'),
];

async function setup() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, 'grid.jsonl');
  fs.writeFileSync(file, LINES.join('\n'));
  const r = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
  return { engine, dir, v1: r.versionId };
}

/** The same texts through Python transformers' tokenizer for the same tokenizer.json: the counts must agree. */
function pythonCounts(texts: string[]): number[] {
  const script = 'import json,sys\nfrom transformers import AutoTokenizer\nt=AutoTokenizer.from_pretrained(sys.argv[1])\nprint(json.dumps([len(t(x, add_special_tokens=False)["input_ids"]) for x in json.load(sys.stdin)]))';
  const r = spawnSync(path.resolve('.venv/bin/python'), ['-c', script, hf()], { input: JSON.stringify(texts), encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as number[];
}

describe('stats, token counts and filters', () => {
  it('counts tokens like transformers does, caches them per (tokenizer, example), and reports stats', async () => {
    const { engine, v1 } = await setup();
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept' });
    const stats = await engine.call('datasets.stats', { versionId: v1, tokenizerPath: hf(), bins: 5 });
    const ex = (await engine.call('datasets.examples', { versionId: v1 })).examples;
    const expected = pythonCounts(ex.map((e) => (e.content.kind === 'chat' ? e.content.messages.map((m) => m.content).join('\n') : e.content.kind === 'text' ? e.content.text : '')));
    expect(stats.tokens!.total).toBe(expected.reduce((a, b) => a + b, 0));
    expect(stats.tokens).toMatchObject({ min: Math.min(...expected), max: Math.max(...expected), tokenizer: { path: path.join(hf(), 'tokenizer.json') } });
    expect(stats.tokens!.histogram.reduce((s, b) => s + b.count, 0)).toBe(7);
    expect(stats).toMatchObject({ examples: 7, byKind: { chat: 7 }, bySplit: { none: 7 }, bySource: [{ source: 'grid.jsonl', count: 7 }], byStatus: { accepted: 1, unreviewed: 6 } });

    // The cache is what answers the second time: plant a count and see it come back.
    const db = engine.ctx.db!;
    expect(db.prepare('SELECT count(*) AS n FROM token_counts').get()).toEqual({ n: 7 });
    db.prepare('UPDATE token_counts SET tokens = 10000 WHERE content_hash = ?').run(ex[0]!.contentHash);
    const again = await engine.call('datasets.stats', { versionId: v1, tokenizerPath: hf() });
    expect(again.tokens!.max).toBe(10000);
    expect(db.prepare('SELECT count(*) AS n FROM token_counts').get()).toEqual({ n: 7 });
    const noTok = await engine.call('datasets.stats', { versionId: v1 });
    expect(noTok.tokens).toBeNull();
    await expect(engine.call('datasets.stats', { versionId: v1, tokenizerPath: '/nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No tokenizer.json at /nowhere.' });
  });

  it('filters empty, garbled, language, regex and token length into new versions, counting reasons', async () => {
    const { engine, v1 } = await setup();
    const clean = await engine.call('datasets.filter', { versionId: v1, filter: { dropEmpty: true, dropGarbled: true } });
    expect(clean).toMatchObject({ removed: 3, reasons: { empty: 1, garbled: 2 }, version: { number: 2, parentId: v1, exampleCount: 4, operation: 'filter' } });
    const en = await engine.call('datasets.filter', { versionId: clean.version.id, filter: { language: 'en' } });
    expect(en).toMatchObject({ removed: 1, reasons: { language: 1 } });
    const rx = await engine.call('datasets.filter', { versionId: v1, filter: { include: 'permit|LOTO', exclude: 'Genehmigung' } });
    expect(rx).toMatchObject({ removed: 5, reasons: { include: 5 } });
    const short = await engine.call('datasets.filter', { versionId: v1, filter: { tokenizerPath: hf(), maxTokens: 15 } });
    const long = await engine.call('datasets.filter', { versionId: v1, filter: { tokenizerPath: hf(), minTokens: 16 } });
    expect(short.version.exampleCount + long.version.exampleCount).toBe(7);
    expect(short.reasons['too-long']).toBe(long.version.exampleCount);
    expect(short.version.params).toMatchObject({ op: 'filter', maxTokens: 15, tokenizerSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.filter' });
    expect(audit.entries.at(-1)).toMatchObject({ details: { removed: 3, reasons: { empty: 1, garbled: 2 } } });

    await expect(engine.call('datasets.filter', { versionId: v1, filter: { include: '(unclosed' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/include pattern is not a valid/) });
    await expect(engine.call('datasets.filter', { versionId: v1, filter: { maxTokens: 5 } })).rejects.toMatchObject({ message: 'Token limits need a tokenizer.' });
    await expect(engine.call('datasets.filter', { versionId: v1, filter: { tokenizerPath: hf(), minTokens: 9, maxTokens: 3 } })).rejects.toMatchObject({ message: expect.stringMatching(/above the maximum/) });
    expect((await engine.call('datasets.versions', { datasetId: (await engine.call('datasets.list', {})).datasets[0]!.id })).versions).toHaveLength(6);
  });

  it('guesses languages by script and stop words, and says when it cannot tell', () => {
    expect(guessLanguage('What is the permit for, and who signs it?')).toBe('en');
    expect(guessLanguage('Wer unterschreibt die Genehmigung und warum ist das nicht optional?')).toBe('de');
    expect(guessLanguage('Qui signe le permis et pourquoi est-ce que ce n’est pas optionnel ?')).toBe('fr');
    expect(guessLanguage('Кто подписывает разрешение?')).toBe('ru');
    expect(guessLanguage('誰が許可証に署名しますか？')).toBe('ja');
    expect(guessLanguage('谁签署许可证？')).toBe('zh');
    expect(guessLanguage('OK.')).toBeNull();
    expect(isGarbled({ kind: 'text', text: 'CafÃ© au lait' })).toBe(true);
    expect(isGarbled({ kind: 'text', text: 'Café au lait, s’il vous plaît.' })).toBe(false);
  });
});

describe('data recipes', () => {
  it('mixes versions by token share, reports counts per component, and materialises the trainer\'s JSONL files', async () => {
    const { engine, dir, v1 } = await setup();
    // Domain text for continued pre-training, as {"text"} lines (the same kind a document import makes).
    const docs = path.join(dir, 'manual.jsonl');
    const block = (i: number) => Array.from({ length: 20 }, (_, j) => `Feeder ${i}-${j} must be isolated and earthed before maintenance begins.`).join(' ');
    fs.writeFileSync(docs, Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: block(i) })).join('\n'));
    const d = await engine.call('datasets.import', { path: docs, datasetName: 'manual' });
    const split = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'split', seed: 2, validation: 0.3, test: 0 } });
    const trainCount = (await engine.call('datasets.examples', { versionId: split.version.id, split: 'train' })).total;

    const recipe = await engine.call('recipes.create', {
      name: 'half-and-half',
      description: 'BloombergGPT-style: half domain text, half instructions',
      tokenizerPath: hf(),
      components: [{ versionId: d.versionId, ratio: 1 }, { versionId: split.version.id, ratio: 1 }],
    });
    expect(recipe.components.map((c) => [c.kind, c.ratio])).toEqual([['text', 0.5], ['chat', 0.5]]);
    expect(recipe.components[1]!.examples).toBe(trainCount);
    expect(recipe.components[0]!.examples).toBe(d.rowsImported);
    const [text, chat] = recipe.components;
    expect(recipe.totalTokens).toBe(text!.tokens! + chat!.tokens!);
    expect(text!.mixTokens! + chat!.mixTokens!).toBeCloseTo(recipe.totalTokens!, -1);
    expect(chat!.repeats!).toBeGreaterThan(1); // the small instruction set repeats to reach half the tokens
    expect(text!.repeats!).toBeLessThan(1);
    expect((await engine.call('recipes.list', {})).recipes.map((r) => r.name)).toEqual(['half-and-half']);
    expect(await engine.call('recipes.get', { id: recipe.id })).toEqual(recipe);
    expect((await engine.call('audit.list', { actionPrefix: 'recipe.create' })).entries[0]).toMatchObject({ objectId: recipe.id, details: { totalTokens: recipe.totalTokens } });

    const files = materializeRecipe(engine.ctx.db!, recipe.id, path.join(dir, 'run'));
    expect(files.map((f) => [path.basename(f.path), f.ratio, f.kind])).toEqual([['recipe-1-manual-v1.jsonl', 0.5, 'text'], ['recipe-2-grid-v2.jsonl', 0.5, 'chat']]);
    const lines = files.map((f) => fs.readFileSync(f.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    expect(lines[0]!).toHaveLength(d.rowsImported);
    expect(Object.keys(lines[0]![0]!)).toEqual(['text']);
    expect(lines[1]!).toHaveLength(trainCount);
    expect(Object.keys(lines[1]![0]!)).toEqual(['messages']);

    await expect(engine.call('recipes.create', { name: 'half-and-half', components: [{ versionId: v1, ratio: 1 }] })).rejects.toMatchObject({ message: expect.stringMatching(/already exists/) });
    await expect(engine.call('recipes.create', { name: 'x', components: [{ versionId: 'nope', ratio: 1 }] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('recipes.create', { name: 'y', components: [{ versionId: v1, ratio: 0 }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });
});
