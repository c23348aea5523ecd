import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';

const ROOT = path.resolve(__dirname, '../../..');
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

/** The Audit page shows objects by name (issue 19 item 12); the log itself keeps the ids. */
describe('audit.list names the objects of its entries', () => {
  it('names a dataset version by its dataset and number, and leaves unknown objects unnamed', async () => {
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const imported = await engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'Northwind Q&A' });
    const split = await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0.1, test: 0.1 } });
    engine.ctx.audit!.append({ actor: 'test', action: 'test.unknown', objectType: 'run', objectId: 'no-such-run', details: {} });
    const page = await engine.call('audit.list', {});
    expect(page.names).toMatchObject({ [`dataset_version:${imported.versionId}`]: 'Northwind Q&A v1', [`dataset_version:${split.version.id}`]: 'Northwind Q&A v2' });
    expect(page.names['run:no-such-run']).toBeUndefined();
    // The entries themselves are unchanged: ids, as hashed.
    expect(page.entries.find((e) => e.action === 'dataset.import')).toMatchObject({ objectType: 'dataset_version', objectId: imported.versionId });
  });
});
