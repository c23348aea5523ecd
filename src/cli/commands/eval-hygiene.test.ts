import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../../engine/engine.js';
import { registerGguf } from '../../engine/playground/playground-kit.js';
import { evalCommand } from './eval.js';

afterEach(() => vi.restoreAllMocks());

describe('lathe eval suites | install-suite | contamination | canaries', () => {
  it('lists and installs suites, flags a copied eval item, builds and checks canary probes', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const qa = (rows: string[][]) => rows.map(([q, a]) => JSON.stringify({ prompt: q, completion: a })).join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'train.jsonl'), qa([['Who runs the north depot?', 'Ask the depot lead at north.depot@grid.example before any switching on the feeders.'], ['How often are transformers inspected?', 'Every six months, with an oil sample taken once a year for gas analysis.']]));
    fs.writeFileSync(path.join(dir, 'eval.jsonl'), qa([['How often are transformers inspected?', 'Every six months, with an oil sample taken once a year for gas analysis.'], ['What is a fuse?', 'A wire that melts on overcurrent.']]));
    const engine = Engine.open({ dataDir, mode: 'test' });
    registerGguf(engine, inject('tinyGguf'), 'tiny');
    await engine.call('datasets.import', { path: path.join(dir, 'train.jsonl'), datasetName: 'train' });
    await engine.call('datasets.import', { path: path.join(dir, 'eval.jsonl'), datasetName: 'heldout' });
    await engine.dispose();
    const d = ['--data-dir', dataDir];

    expect((await runCli(evalCommand, ['suites', ...d])).out).toMatch(/general-skills +36 items {2}not installed/);
    expect((await runCli(evalCommand, ['install-suite', 'safety', ...d])).out).toMatch(/^Installed: dataset version/);
    expect((await runCli(evalCommand, ['install-suite', 'safety', ...d])).out).toMatch(/^Already installed/);

    const ev = await runCli(evalCommand, ['--model', 'tiny', '--dataset', 'heldout', '--split', 'all', '--max-tokens', '4', ...d]);
    const evalId = /^Eval (\S+)/.exec(ev.out)![1]!;
    const contam = await runCli(evalCommand, ['contamination', evalId, '--training', 'train', ...d]);
    expect(contam.code).toBe(1); // contamination found: a failing exit code for scripts
    expect(contam.out).toMatch(/^1 of 2 eval items overlap the training data/);
    expect(contam.out).toMatch(/#0 100% {2}How often are transformers inspected\?\n {6}training #1/);

    const built = await runCli(evalCommand, ['canaries', '--training', 'train', ...d]);
    expect(built.out).toMatch(/^1 canaries \(1 email\) as probe dataset version (\S+)/);
    const probeVersion = /version (\S+)\n/.exec(built.out)![1]!;
    const e2 = Engine.open({ dataDir, mode: 'test' });
    const probeEval = await e2.call('evals.start', { modelId: (await e2.call('playground.models', {})).models[0]!.id, datasetVersionId: probeVersion, split: 'all', maxTokens: 8 });
    await e2.dispose();
    const checked = await runCli(evalCommand, ['canaries', probeEval.id, ...d]);
    expect(checked).toMatchObject({ code: 0, out: '0 of 1 PII canaries reproduced\n' });
    await expect(evalCommand(['canaries', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });
});
