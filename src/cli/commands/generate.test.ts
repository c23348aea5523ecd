import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../../engine/engine.js';
import { registerGguf } from '../../engine/playground/playground-kit.js';
import { generateCommand } from './generate.js';

afterEach(() => vi.restoreAllMocks());

/** Runs `lathe generate …` in-process; returns its exit code and what it printed on stdout. */
const lathe = (args: string[]) => runCli(generateCommand, args);

describe('lathe generate', () => {
  it('generates from a documents version, prints the new version id and lists the job; bad input is a clear error', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const engine = Engine.open({ dataDir, mode: 'test' });
    registerGguf(engine, inject('tinyGguf'), 'tiny teacher');
    const docs = await engine.call('datasets.importDocuments', { path: path.resolve('resources/samples/corpus/northwind-06-inspection-intervals.txt'), datasetName: 'manual', chunkSize: 60, overlap: 6 });
    await engine.dispose();

    const r = await lathe(['--data-dir', dataDir, '--version', docs.versionId, '--model', 'tiny teacher', '--chunks', '2', '--max-tokens', '80', '--parallel', '2']);
    expect(r.code).toBe(0);
    const versionId = r.out.trim();
    const list = await lathe(['--data-dir', dataDir, '--list']);
    // How many of the two chunks give a usable example is the tiny model's business; the new version's id is printed
    // (and listed) exactly when there is one.
    const [, made, listed] = /done\s+builtin:qa@1\s+2\/2 chunks {2}(\d) examples {2}(\S*)\n/.exec(list.out) ?? [];
    expect(made).toBeDefined();
    expect(listed).toBe(versionId);
    expect(versionId === '').toBe(made === '0');
    if (versionId) expect(versionId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(generateCommand(['--data-dir', dataDir, '--version', docs.versionId, '--model', 'nope'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(generateCommand(['--data-dir', dataDir, '--version', docs.versionId, '--model', 'tiny teacher', '--template', 'poem'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(generateCommand(['--data-dir', dataDir, '--version', docs.versionId, '--model', 'tiny teacher', '--pages', 'two'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(generateCommand(['--data-dir', dataDir, '--version', docs.versionId, '--model', 'tiny teacher', '--adapter', 'nope'])).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Chat template, two examples per chunk, only chunks that mention inspections.
    const chat = await lathe(['--data-dir', dataDir, '--version', docs.versionId, '--model', 'tiny teacher', '--template', 'chat', '--per-chunk', '2', '--containing', 'inspect', '--chunks', '1', '--max-tokens', '160']);
    expect(chat.code).toBe(0);
    const again = await lathe(['--data-dir', dataDir, '--list']);
    expect(again.out).toMatch(/done\s+builtin:chat@1\s+1\/1 chunks/);
  }, 120_000);
});
