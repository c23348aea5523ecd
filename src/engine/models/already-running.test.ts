import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';

/** A second export or conversion of a model while the same one runs is refused, named, and leaves nothing behind. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

const tinyHf = () => path.join(path.dirname(inject('tinyGguf')), 'hf');

function running(engine: Engine, jobId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = engine.ctx.events.listen('job.progress', (p) => {
      if (p.jobId === jobId && p.state === 'running') {
        stop();
        resolve();
      }
    });
  });
}

describe('duplicate job starts', () => {
  it('refuses a second export of the same model with ALREADY_RUNNING naming the running one; the list shows it; cancel ends it', async () => {
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    const { model } = await engine.call('models.import', { path: tinyHf(), name: 'tiny' });

    const started = running(engine, 'export-1');
    const first = engine.call('exports.create', { modelId: model.id, formats: ['gguf-f16'], name: 'first', jobId: 'export-1' }).catch((e: unknown) => e);
    await started;
    const second = await engine.call('exports.create', { modelId: model.id, formats: ['gguf-f16'], name: 'second', jobId: 'export-2' }).catch((e: unknown) => e);
    expect(second).toMatchObject({ code: 'ALREADY_RUNNING', message: expect.stringContaining('“Export first” is already running'), hint: expect.stringContaining('job export-1') });
    // Refused before anything was written: one export row, the running one.
    expect((await engine.call('exports.list', {})).exports.map((e) => e.name)).toEqual(['first']);

    const listed = await engine.call('jobs.list', {});
    expect(listed.running.filter((j) => j.kind === 'export.create')).toEqual([
      expect.objectContaining({ jobId: 'export-1', label: 'Export first', state: 'running', cancellable: true, subject: { type: 'model', id: model.id }, durationMs: null }),
    ]);

    // The same conversion twice is refused too; another output type of the same model is a different job.
    const convertStarted = running(engine, 'convert-1');
    const convert = engine.call('models.convert', { modelId: model.id, outtype: 'F16', jobId: 'convert-1' }).catch((e: unknown) => e);
    await convertStarted;
    await expect(engine.call('models.convert', { modelId: model.id, outtype: 'F16', jobId: 'convert-2' })).rejects.toMatchObject({ code: 'ALREADY_RUNNING', hint: expect.stringContaining('job convert-1') });

    await expect(engine.call('jobs.cancel', { jobId: 'export-1' })).resolves.toEqual({ cancelled: true });
    await expect(engine.call('jobs.cancel', { jobId: 'convert-1' })).resolves.toEqual({ cancelled: true });
    expect(await first).toMatchObject({ code: 'CANCELLED' });
    expect(await convert).toMatchObject({ code: 'CANCELLED' });
    const after = await engine.call('jobs.list', {});
    expect(after.running.filter((j) => j.kind !== 'dataset.search-index')).toEqual([]);
    expect(after.finished.filter((j) => j.jobId === 'export-1' || j.jobId === 'convert-1').map((j) => [j.jobId, j.state, typeof j.durationMs])).toEqual(
      expect.arrayContaining([['export-1', 'cancelled', 'number'], ['convert-1', 'cancelled', 'number']]),
    );
    // A finished job has nothing left to cancel.
    await expect(engine.call('jobs.cancel', { jobId: 'export-1' })).resolves.toEqual({ cancelled: false });
  });
});
