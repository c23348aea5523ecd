import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../tests/support/run-cli.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../../engine/engine.js';
import { registerGguf } from '../../engine/playground/playground-kit.js';
import { reportCommand } from './report.js';

describe('lathe report', () => {
  it('writes the HTML + PDF report of a release decision to a folder, and explains bad input', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, ['What is LOTO?|Lock-out, tag-out.', 'Who signs?|The supervisor.'].map((l) => JSON.stringify({ prompt: l.split('|')[0], completion: l.split('|')[1] })).join('\n'));
    const engine = Engine.open({ dataDir, mode: 'test' });
    const model = registerGguf(engine, inject('tinyGguf'), 'tiny');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    await engine.call('evals.start', { modelId: model.id, datasetVersionId: versionId, split: 'all', maxTokens: 4 });
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
    const target = { modelId: model.id, adapterIds: [] };
    const { release } = await engine.call('gate.release', { meaning: 'Approved for release', candidate: target, baseline: target });
    await engine.dispose();

    const d = ['--data-dir', dataDir];
    const out = path.join(dir, 'filed');
    const { code, out: printed } = await runCli(reportCommand, ['--release', 'latest', '--out', out, ...d]);
    expect(code).toBe(0);
    expect(printed).toContain(`Release report for ${release.id}`);
    const html = fs.readFileSync(path.join(out, 'release-report.html'), 'utf8');
    expect(html).toContain(model.sha256);
    expect(html).toContain('not bound to an exported file');
    expect((await PDFDocument.load(fs.readFileSync(path.join(out, 'release-report.pdf')))).getPageCount()).toBeGreaterThanOrEqual(1);

    await expect(reportCommand([...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(reportCommand(['--export', 'nope', ...d])).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No export has the id "nope" or an id starting with it.' });
    expect((await runCli(reportCommand, ['--release', release.id.slice(0, 8), '--out', path.join(dir, 'short'), ...d])).out).toContain(`Release report for ${release.id}`);
    await expect(reportCommand(['--release', 'nope', ...d])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
