import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../tests/support/run-cli.js';
import { tempDir } from '../../tests/support/temp-dir.js';
import { modelQueries } from '../engine/db/queries/models.js';
import { Engine } from '../engine/engine.js';
import { registerGguf } from '../engine/playground/playground-kit.js';
import { modelsCommand } from './commands/models.js';
import { reportCommand } from './commands/report.js';
import { pickId, resolveRecordId } from './ids.js';

afterEach(() => vi.restoreAllMocks());

describe('ids as typed on the command line', () => {
  const models = [
    { id: 'abcdef01-0000-4000-8000-000000000001', name: 'tiny' },
    { id: 'abcdef01-0000-4000-8000-000000000002', name: 'twin' },
    { id: 'abcdef01-0000-4000-8000-000000000003', name: 'twin' },
    { id: '12345678-0000-4000-8000-000000000004', name: 'Zorbia facts · Q8_0' },
  ];
  const see = 'See `lathe models list`.';

  it('takes a full id, an exact name, or a unique id prefix of at least 4 characters (any case)', () => {
    expect(pickId('model', models[1]!.id, models, see)).toBe(models[1]!.id);
    expect(pickId('model', 'tiny', models, see)).toBe(models[0]!.id);
    expect(pickId('model', 'Zorbia facts · Q8_0', models, see)).toBe(models[3]!.id);
    expect(pickId('model', '12345678', models, see)).toBe(models[3]!.id);
    expect(pickId('model', '1234', models, see)).toBe(models[3]!.id);
    expect(pickId('model', 'ABCDEF01-0000-4000-8000-000000000003'.slice(0, 36), models, see)).toBe(models[2]!.id);
  });

  it('says which ids a shared prefix or name fits, and when nothing matches', () => {
    expect(() => pickId('model', 'abcdef01', models, see)).toThrow(expect.objectContaining({
      code: 'INVALID_ARGUMENTS', message: 'The id prefix "abcdef01" is ambiguous; 3 model ids start with it: abcdef01 (tiny), abcdef01 (twin), abcdef01 (twin).',
    }));
    expect(() => pickId('model', 'twin', models, see)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/^The name "twin" is ambiguous; 2 entries have it/) }));
    expect(() => pickId('model', 'ffff0000', models, see)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'No model has the id "ffff0000", an id starting with it or that name.', hint: see }));
    expect(() => pickId('model', '123', models, see)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringMatching(/an id prefix needs at least 4 characters/) }));
    expect(() => pickId('eval', 'abcdef01', [{ id: 'x' }], 'See the list.')).toThrow(expect.objectContaining({ message: 'No eval has the id "abcdef01" or an id starting with it.' }));
  });
});

describe('lathe models with the short ids `lathe models list` prints', () => {
  it('imports with --parent PREFIX, shows by prefix, and explains an ambiguous or unknown prefix', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const d = ['--data-dir', dataDir];
    const engine = Engine.open({ dataDir, mode: 'test' });
    const parent = registerGguf(engine, inject('tinyGguf'), 'tiny parent');
    const dummy = path.join(dir, 'dummy.gguf');
    fs.writeFileSync(dummy, 'GGUF');
    for (const n of [1, 2]) registerGguf(engine, dummy, `placeholder ${n}`);
    const q = modelQueries(engine.ctx.db!);
    for (const n of [1, 2]) q.insert({ ...q.get(q.list().find((m) => m.name === `placeholder ${n}`)!.id)!, id: `abcdef01-0000-4000-8000-00000000000${n}`, sha256: `twin-${n}` });
    await engine.dispose();

    const listed = (await runCli(modelsCommand, ['list', ...d])).out;
    const short = parent.id.slice(0, 8);
    expect(listed).toContain(`${short}  gguf`);

    const imported = await runCli(modelsCommand, ['import', inject('tinyGguf'), '--name', 'tiny child', '--parent', short, ...d]);
    expect(imported.code).toBe(0);
    const childShort = /Registered: (\S{8}) /.exec(imported.out)![1]!;
    const shown = await runCli(modelsCommand, ['show', childShort, ...d]);
    expect(shown.out).toContain(`"parentId": "${parent.id}"`);
    expect(shown.out).toContain(`parent:   ${short}`);
    expect((await runCli(modelsCommand, ['show', 'tiny child', ...d])).out).toContain(`"parentId": "${parent.id}"`);

    const before = (await runCli(modelsCommand, ['list', ...d])).out;
    await expect(modelsCommand(['import', inject('tinyGguf'), '--name', 'x', '--parent', 'abcdef01', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/"abcdef01" is ambiguous; 2 model ids start with it/) });
    await expect(modelsCommand(['import', inject('tinyGguf'), '--name', 'x', '--parent', 'ffff0000', ...d])).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^No model has the id "ffff0000"/) });
    expect((await runCli(modelsCommand, ['list', ...d])).out).toBe(before); // refused before anything was registered
    await expect(modelsCommand(['show', 'abcdef01', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect((await runCli(modelsCommand, ['show', 'abcdef01-0000-4000-8000-000000000002', ...d])).out).toContain('"sha256": "twin-2"');
  });

  it('resolves other records (dataset versions, exports, evals…) by prefix through the same helper', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, JSON.stringify({ prompt: 'What is LOTO?', completion: 'Lock-out, tag-out.' }) + '\n');
    const engine = Engine.open({ dataDir, mode: 'test' });
    try {
      const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
      expect(resolveRecordId(engine, 'dataset version', versionId.slice(0, 8).toUpperCase())).toBe(versionId);
      expect(resolveRecordId(engine, 'dataset version', versionId)).toBe(versionId);
      expect(() => resolveRecordId(engine, 'eval', versionId.slice(0, 8))).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: `No eval has the id "${versionId.slice(0, 8)}" or an id starting with it.` }));
    } finally {
      await engine.dispose();
    }
    await expect(reportCommand(['--export', 'abcd1234', '--data-dir', dataDir])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No export has the id "abcd1234" or an id starting with it.', hint: 'See `lathe export --list`.' });
  });
});
