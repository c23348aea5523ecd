import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/** The lineage page: open a model's lineage, see its data and eval, click through to the data version. */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
let s: E2eSession;
beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-lineage-');
});
afterAll(async () => s?.close());

describe('lineage (browser mode)', () => {
  it('shows where a model came from and what came of it, and clicks through', async () => {
    const engine = s.server.engine;
    const model = registerGguf(engine, TINY_GGUF, 'grid-model · Q8_0');
    const file = path.join(s.dataDir, 'qa.jsonl');
    fs.writeFileSync(file, ['feeder', 'relay', 'bus', 'fuse'].map((t) => JSON.stringify({ messages: [{ role: 'user', content: `What is a ${t}?` }, { role: 'assistant', content: `A ${t} is grid equipment.` }] })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    const ev = await engine.call('evals.start', { modelId: model.id, datasetVersionId: versionId, split: 'all', maxTokens: 4 });
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
    await engine.call('gate.release', { meaning: 'Approved for release', candidate: { modelId: model.id, adapterIds: [] }, baseline: { modelId: model.id, adapterIds: [] } });

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', `#/lineage/eval/${ev.id}`);
    await page.getByTestId('lineage-graph').waitFor();
    expect(await page.getByTestId('lineage-node-model').first().textContent()).toContain('grid-model');
    expect(await page.getByTestId('lineage-node-version').first().textContent()).toContain('Grid QA v1');
    expect(await page.getByTestId('lineage-node-release').count()).toBe(1);
    expect(await page.getByTestId('lineage-facts').textContent()).toContain('Token F1');
    await shot(page, 'lineage-eval');
    await page.getByTestId('lineage-node-version').first().click();
    await expect.poll(() => page.getByTestId('lineage-facts').textContent()).toContain('Content hash');
    expect(page.url()).toContain(`#/lineage/version/${versionId}`);
    expect(problems).toEqual([]);
    await context.close();
  });
});
