import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../../engine/engine.js';
import { registerGguf } from '../../engine/playground/playground-kit.js';
import { evalCommand } from './eval.js';

afterEach(() => vi.restoreAllMocks());

/** Runs `lathe …` in-process; it must succeed. Returns what it printed. */
async function lathe(args: string[]): Promise<string> {
  const { code, out } = await runCli(evalCommand, args);
  expect(code).toBe(0);
  return out;
}

describe('lathe eval', () => {
  it('evaluates a registered model on a dataset version, compares two evals, and explains bad input', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, ['What is LOTO?|Lock-out, tag-out.', 'Who signs?|The supervisor.', 'What is a relay?|A switch.'].map((l) => JSON.stringify({ prompt: l.split('|')[0], completion: l.split('|')[1] })).join('\n'));
    const engine = Engine.open({ dataDir, mode: 'test' });
    registerGguf(engine, inject('tinyGguf'), 'tiny');
    await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    await engine.dispose();
    const d = ['--data-dir', dataDir];
    const first = await lathe(['--model', 'tiny', '--dataset', 'grid@1', '--split', 'all', '--max-tokens', '6', ...d]);
    expect(first).toMatch(/^Eval [0-9a-f-]{36}\n {2}tiny · grid v1 all\n {2}3 items · exact \d+\.\d · F1/);
    const second = await lathe(['--model', 'tiny', '--dataset', 'grid', '--split', 'all', '--max-tokens', '6', ...d]);
    const ids = [first, second].map((s) => /^Eval (\S+)/.exec(s)![1]!);
    const cmp = await lathe(['compare', ids[0]!.slice(0, 8), ids[1]!, ...d]); // the short id, as lists print it, or the full one
    expect(cmp).toMatch(/3 paired items/);
    expect(cmp).toMatch(/f1 +[\d.]+ → [\d.]+ {2}Δ \+0\.0 \[\+0\.0, \+0\.0\] 95% CI/);
    await expect(evalCommand(['--model', 'tiny', '--dataset', 'grid@9', ...d])).rejects.toMatchObject({ message: '"grid" has no version 9.' });
    await expect(evalCommand(['--model', 'tiny', '--dataset', 'grid', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/no chat examples in its test split/) });
    await expect(evalCommand(['--dataset', 'grid', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });

  it('runs classification and structured evals (--task, --schema), judges one (judge), and prints their reports', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const labels = path.join(dir, 'labels.jsonl');
    fs.writeFileSync(labels, [['Breaker tripped twice', 'fault'], ['Routine oil sample', 'routine'], ['Relay alarm at bay 4', 'fault']].map(([p, c]) => JSON.stringify({ prompt: p, completion: c })).join('\n'));
    const records = path.join(dir, 'records.jsonl');
    fs.writeFileSync(records, [['Bay 4 relay', '{"bay":4}'], ['Bay 9 breaker', '{"bay":9}']].map(([p, c]) => JSON.stringify({ prompt: p, completion: c })).join('\n'));
    const engine = Engine.open({ dataDir, mode: 'test' });
    registerGguf(engine, inject('tinyGguf'), 'tiny');
    await engine.call('datasets.import', { path: labels, datasetName: 'labels' });
    await engine.call('datasets.import', { path: records, datasetName: 'records' });
    await engine.dispose();
    const d = ['--data-dir', dataDir];

    const cls = await lathe(['--model', 'tiny', '--dataset', 'labels', '--split', 'all', '--max-tokens', '4', '--task', 'classification', ...d]);
    expect(cls).toMatch(/\n {2}classification: accuracy \d+\.\d · macro-F1 \d+\.\d · \d+ answers outside the label set\n/);
    expect(cls).toMatch(/\n {4}fault +n +2 +accuracy/);
    expect(cls).toMatch(/\n {4}routine +n +1 +accuracy/);
    const clsId = /^Eval (\S+)/.exec(cls)![1]!;
    const judged = await lathe(['judge', clsId, '--judge', 'tiny', '--rubric', 'Score 5 when the label matches the reference, 1 otherwise.', ...d]);
    expect(judged).toMatch(new RegExp(`^Judging \\S+ of eval ${clsId}\\n {2}3 items judged · mean (\\d\\.\\d\\d|—)/5 .* · \\d+ verdicts unreadable\\n$`));
    await expect(evalCommand(['judge', clsId, '--judge', 'tiny', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/--rubric TEXT or --rubric-file FILE is required/) });

    const schema = path.join(dir, 'bay.schema.json');
    // A closed set keeps the tiny model's constrained answers short enough to finish inside --max-tokens.
    fs.writeFileSync(schema, JSON.stringify({ type: 'object', properties: { bay: { enum: [4, 9] } }, required: ['bay'] }));
    const st = await lathe(['--model', 'tiny', '--dataset', 'records', '--split', 'all', '--max-tokens', '24', '--schema', schema, ...d]);
    expect(st).toMatch(/\n {2}structured: parses 100\.0 · schema-valid 100\.0 · field accuracy \d+\.\d\n {4}bay +n +2 +accuracy/);

    await expect(evalCommand(['--model', 'tiny', '--dataset', 'labels', '--task', 'ranking', ...d])).rejects.toMatchObject({ message: '--task must be qa, classification or structured, got "ranking".' });
    await expect(evalCommand(['--model', 'tiny', '--dataset', 'records', '--task', 'structured', ...d])).rejects.toMatchObject({ message: expect.stringMatching(/needs --schema/) });
    fs.writeFileSync(schema, '[1, 2]');
    await expect(evalCommand(['--model', 'tiny', '--dataset', 'records', '--schema', schema, ...d])).rejects.toMatchObject({ message: expect.stringMatching(/is not a JSON schema object/) });
  });
});
