import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../../engine/engine.js';
import { datasetCommand } from './dataset.js';

afterEach(() => vi.restoreAllMocks());

/** Runs `lathe …` in-process; it must succeed. Returns what it printed. */
async function lathe(args: string[]): Promise<string> {
  const { code, out } = await runCli(datasetCommand, args);
  expect(code).toBe(0);
  return out;
}

describe('lathe dataset', () => {
  it('prints stats, filters, exports with a manifest and makes a recipe; bad input is a clear error', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, ['What is LOTO?|Lock-out, tag-out.', 'Who signs?|The supervisor.', 'Empty?|...'].map((l) => JSON.stringify({ prompt: l.split('|')[0], completion: l.split('|')[1] })).join('\n'));
    const engine = Engine.open({ dataDir, mode: 'test' });
    await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    await engine.dispose();
    const hf = path.join(path.dirname(inject('tinyGguf')), 'hf');
    const d = ['--data-dir', dataDir];

    const stats = await lathe(['stats', 'grid', '--tokenizer', hf, ...d]);
    expect(stats).toMatch(/^3 examples \(3 chat\)/);
    expect(stats).toMatch(/tokens: \d+ total/);
    expect(await lathe(['filter', 'grid@1', '--drop-empty', ...d])).toBe('Version 2: kept 2, removed 1 (empty 1)\n');
    const out = path.join(dir, 'out.jsonl');
    const exported = await lathe(['export', 'grid', '--format', 'alpaca', '--out', out, ...d]);
    expect(exported).toContain(`Wrote 2 examples to ${out}`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out.manifest.json'), 'utf8'))).toMatchObject({ format: 'alpaca', version: { number: 2 }, counts: { examples: 2 } });
    const recipe = await lathe(['recipe', 'create', 'mix', '--mix', 'grid@1=1', '--mix', 'grid=3', '--tokenizer', hf, ...d]);
    expect(recipe).toMatch(/^mix {2}\(5 examples, \d+ tokens\)/);
    expect(recipe).toMatch(/25% {2}grid v1 \[chat\] {2}3 examples/);
    expect(await lathe(['recipe', 'list', ...d])).toContain('75%  grid v2');

    await expect(datasetCommand(['export', 'grid@9', '--format', 'text', ...d])).rejects.toMatchObject({ code: 'NOT_FOUND', message: '"grid" has no version 9.' });
    await expect(datasetCommand(['export', 'grid', '--format', 'csv', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/--format must be one of/) });
    await expect(datasetCommand(['recipe', 'create', 'x', '--mix', 'grid', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/is not DATASET\[@N\]=RATIO/) });
    await expect(datasetCommand(['frobnicate', ...d])).rejects.toMatchObject({ message: 'Unknown dataset command "frobnicate".' });
  });
});
