import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../../engine/engine.js';
import { datasetCommand } from './dataset.js';
import { importCommand } from './import.js';

afterEach(() => vi.restoreAllMocks());

async function ok(command: (argv: string[]) => Promise<number>, args: string[]): Promise<string> {
  const { code, out } = await runCli(command, args);
  expect(code).toBe(0);
  return out;
}

/** CLI parity with the Datasets page: dedup, PII, split and diff on a version; --map; importing under an existing name. */
describe('lathe dataset dedup|pii|split|diff and lathe import --map', () => {
  it('curates from the command line exactly as the UI does, and says when an import appends a version', async () => {
    const dir = tempDir();
    const d = ['--data-dir', path.join(dir, 'data')];
    const pairs = path.join(dir, 'pairs.jsonl');
    const rows = Array.from({ length: 10 }, (_, i) => ({ question: `Feeder ${i} voltage?`, better: `Feeder ${i} runs at 11 kV.`, worse: `Feeder ${i} runs at 400 V.${i === 3 ? ' Mail jane.doe@northwind.example.' : ''}` }));
    fs.writeFileSync(pairs, [...rows, rows[0]].map((r) => JSON.stringify(r)).join('\n') + '\n');

    // Field names nobody detects: mapped by hand.
    await expect(importCommand([pairs, '--name', 'prefs', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/does not recognise the fields/) });
    const imported = await ok(importCommand, [pairs, '--name', 'prefs', '--format', 'preference', '--map', 'question=prompt', '--map', 'better=chosen', '--map', 'worse=rejected', ...d]);
    expect(imported).toMatch(/preference \(prompt←question, chosen←better, rejected←worse\)/);
    expect(imported).toMatch(/Imported 11 examples as version 1/);
    await expect(importCommand([pairs, '--map', 'better', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/is not FIELD=SLOT/) });

    expect(await ok(datasetCommand, ['dedup', 'prefs', ...d])).toMatch(/^Version 2 \([0-9a-f]{12}\): exact duplicates removed .*; 10 examples \(removed 1, changed 0\)/);
    const scan = await ok(datasetCommand, ['pii', 'prefs', ...d]);
    expect(scan).toMatch(/^1 of 10 examples hold PII \(email 1\)/);
    expect(scan).toMatch(/Nothing changed; add --redact or --drop/);
    expect(await ok(datasetCommand, ['pii', 'prefs', '--redact', ...d])).toMatch(/Version 3 .*PII replaced by placeholders; 10 examples \(removed 0, changed 1\)/);
    expect(await ok(datasetCommand, ['split', 'prefs', '--validation', '0.2', '--test', '0.1', '--seed', '4', ...d])).toMatch(/Version 4 .*split into (?=.*train 7)(?=.*validation 2)(?=.*test 1)/);
    expect(await ok(datasetCommand, ['diff', 'prefs@1', 'prefs@2', ...d])).toBe('prefs@1 → prefs@2: +0 added, -1 removed, ~0 changed, 10 unchanged\n');
    expect(await ok(datasetCommand, ['diff', 'prefs@3', ...d])).toMatch(/^prefs@3 against its parent: \+0 added, -0 removed, ~1 changed, 9 unchanged/);
    await expect(datasetCommand(['diff', 'prefs@1', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/first version; it has no parent/) });
    await expect(datasetCommand(['split', 'prefs', '--validation', '0.9', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/--validation must be a number from 0 to 0.5/) });

    // The same name again: a new version appended, said out loud with its diff.
    const more = path.join(dir, 'more.jsonl');
    fs.writeFileSync(more, JSON.stringify({ question: 'Harbor voltage?', better: '11 kV.', worse: '400 V.' }) + '\n');
    const appended = await ok(importCommand, [more, '--name', 'prefs', '--format', 'preference', '--map', 'question=prompt', '--map', 'better=chosen', '--map', 'worse=rejected', ...d]);
    expect(appended).toMatch(/"prefs" already existed: this import added version 5 after version 4 \(\+1 added, 10 unchanged, -0 removed\)/);
    const engine = Engine.open({ dataDir: d[1]!, mode: 'test' });
    try {
      const ds = (await engine.call('datasets.list', {})).datasets;
      expect(ds.map((x) => [x.name, x.latestVersion!.number, x.latestVersion!.exampleCount])).toEqual([['prefs', 5, 11]]);
    } finally {
      await engine.dispose();
    }
  });
});
