import fs from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readPdf } from '../datasets/documents/pdf-reader.js';
import type { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { quick, trainingEngine, waitForRun } from '../training/training-test-kit.js';

/**
 * The release report from a real chain: a tiny CPU training run (curves, seed, environment), a model that run
 * produced, evals, a gate decision — rendered as HTML and PDF, both read back.
 */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

describe('release report (HTML + PDF)', () => {
  it('files the decision, lineage with hashes, data versions, curves, eval deltas and the gate', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 4, checkpointEvery: 0, seed: 11, name: 'grid tune' });
    const run = await waitForRun(engine, started.id, (r) => r.status === 'completed' || r.status === 'failed', 180_000);
    expect(run.status).toBe('completed');
    const adapter = (await engine.call('models.list', {})).models.find((m) => m.runId === run.id)!;
    // The tuned model as it would ship: a GGUF child of the adapter, produced by the run (as an export registers it).
    const base = registerGguf(engine, inject('tinyGguf'), 'tiny base gguf');
    const tuned = registerGguf(engine, inject('tinyGguf'), 'grid tune · Q8_0');
    engine.ctx.db!.prepare('UPDATE models SET parent_id = ?, run_id = ? WHERE id = ?').run(adapter.id, run.id, tuned.id);

    const evalArgs = { datasetVersionId: versionId, split: 'all' as const, limit: 3, maxTokens: 6 };
    await engine.call('evals.start', { modelId: base.id, ...evalArgs });
    await engine.call('evals.start', { modelId: tuned.id, ...evalArgs });
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 100 }, { kind: 'max-regressions', metric: 'f1', points: 50, count: 3 }] });
    const reason = 'Pilot for the grid team only; answers were read by two engineers.';
    const { release } = await engine.call('gate.override', { candidate: { modelId: tuned.id, adapterIds: [] }, baseline: { modelId: base.id, adapterIds: [] }, reviewer: 'Dana Reviewer', reason });

    const report = await engine.call('reports.release', { releaseId: release.id, includeContent: true });
    const html = fs.readFileSync(report.htmlPath, 'utf8');
    expect(report.html).toBe(html);
    const version = (await engine.call('datasets.versions', { datasetId: (await engine.call('datasets.list', {})).datasets[0]!.id })).versions[0]!;
    for (const must of [release.id, 'OVERRIDE', 'Dana Reviewer', 'two engineers', adapter.sha256, version.contentHash, run.id, 'Seed</th><td>11', 'At most 3 items lose', 'Hash chain intact']) {
      expect(html, must).toContain(must);
    }
    expect(html).toMatch(/<svg class="chart"[^]*<path d="M[^"]+ L[^"]+ L[^"]+ L[^"]+" class="train"\/>/); // four steps of loss
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // self-contained: no scripts, nothing fetched

    expect(report.pdfPages).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(report.pdfBase64!, 'base64').equals(fs.readFileSync(report.pdfPath))).toBe(true);
    const text = (await readPdf(report.pdfPath)).text.replace(/\s+/g, ' ');
    for (const must of ['MODEL RELEASE REPORT', 'RELEASED WITH AN OVERRIDE', 'Dana Reviewer', version.contentHash.slice(0, 20), 'Token F1']) expect(text, must).toContain(must);

    const logged = (await engine.call('audit.list', { actionPrefix: 'report.' })).entries[0];
    expect(logged).toMatchObject({ objectId: release.id, details: { htmlSha256: report.htmlSha256, pdfSha256: report.pdfSha256 } });
    await expect(engine.call('reports.release', { releaseId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 300_000);
});
