import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { readPdf } from '../datasets/documents/pdf-reader.js';
import { exportQueries } from '../db/queries/exports.js';
import { Engine } from '../engine.js';
import { ensureTestLora } from '../inference/test-lora.js';
import { registerGguf } from '../playground/playground-kit.js';

/**
 * Releases bound to the exact exported file (real SQLite, real inference on the tiny GGUF): the gate counts only
 * evals of those bytes, the export turns from draft to released/overridden, RELEASE.json travels with the folder,
 * and a file changed after export cannot be released.
 */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const QA = [['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.'], ['What is a relay?', 'A switch.'], ['What is a bus?', 'A conductor.']];

async function setup() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const db = engine.ctx.db!;
  const base = registerGguf(engine, inject('tinyGguf'), 'tiny base');
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
  const versionId = (await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' })).versionId;
  // An export folder as the export job leaves it: the GGUF, its row with the file's sha256, status draft.
  const folder = path.join(dir, 'data', 'exports', 'grid-model');
  fs.mkdirSync(folder, { recursive: true });
  const gguf = path.join(folder, 'model-Q8_0.gguf');
  fs.copyFileSync(inject('tinyGguf'), gguf);
  const sha256 = createHash('sha256').update(fs.readFileSync(gguf)).digest('hex');
  const x = exportQueries(db);
  const now = new Date().toISOString();
  x.insert({ id: 'exp-1', name: 'grid-model', model_id: base.id, base_model_id: null, run_id: null, path: folder, formats: '["gguf-q8_0"]', status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: now, finished_at: null, created_by: 'test', owner_pid: process.pid, owner_boot: null, owner_start: null });
  x.finish('exp-1', 'draft', [{ export_id: 'exp-1', path: 'model-Q8_0.gguf', format: 'gguf', quant: 'Q8_0', sha256, bytes: fs.statSync(gguf).size }], null, {}, null);
  const shipped = (await engine.call('models.import', { path: gguf, name: 'grid-model · Q8_0' })).model;
  return { engine, base, versionId, gguf, sha256, shipped };
}

const exportState = async (e: Engine) => (await e.call('exports.list', {})).exports[0]!;

describe('release bound to the exported artefact', () => {
  it('refuses until the exported file itself is evaluated, then releases it signed once; a changed file and a second release are refused', async () => {
    const { engine, base, versionId, gguf, sha256, shipped } = await setup();
    const baseline = { modelId: base.id, adapterIds: [] };
    const artefact = { exportId: 'exp-1' };
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });

    // The base model (other bytes) has an eval, the exported file has none: no release.
    await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, split: 'all', maxTokens: 8 });
    const before = await engine.call('gate.check', { artefact, baseline });
    expect(before).toMatchObject({ passed: false, artefact: { file: 'model-Q8_0.gguf', sha256, modelId: shipped.id } });
    expect(before.problems.join(' ')).toMatch(/exported model-Q8_0\.gguf has no finished eval/);
    expect(before.problems.join(' ')).not.toMatch(/The candidate has no finished eval/); // said once, naming the file
    await expect(engine.call('gate.release', { meaning: 'Approved for release', artefact, baseline })).rejects.toMatchObject({ code: 'GATE_FAILED' });
    expect(await exportState(engine)).toMatchObject({ releaseState: 'draft', release: null });

    // Evaluated on the exported bytes: it passes and ships exactly that file.
    const shippedEval = await engine.call('evals.start', { modelId: shipped.id, datasetVersionId: versionId, split: 'all', maxTokens: 8 });
    const pass = await engine.call('gate.check', { artefact, baseline });
    expect(pass).toMatchObject({ passed: true, candidateEvalId: shippedEval.id, problems: [] });
    // Picking the exported model in the registry is the same decision: the check finds its export file by hash.
    expect((await engine.call('gate.check', { candidate: { modelId: shipped.id, adapterIds: [] }, baseline })).artefact).toMatchObject({ exportId: 'exp-1', file: 'model-Q8_0.gguf' });
    // A file replaced after the export is not the evaluated artefact: refused, and nothing is recorded.
    const size = fs.statSync(gguf).size;
    fs.appendFileSync(gguf, Buffer.from([0]));
    await expect(engine.call('gate.release', { meaning: 'Approved for release', artefact, baseline })).rejects.toMatchObject({ message: expect.stringMatching(/changed after it was exported/) });
    expect((await engine.call('gate.get', {})).releases).toHaveLength(0);
    fs.truncateSync(gguf, size);

    // The release needs the meaning of the approval; the reviewer signs it (the engine's actor when not named).
    await expect(engine.call('gate.release', { artefact, baseline } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine.call('gate.release', { artefact, baseline, meaning: ' ok ' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    const { release } = await engine.call('gate.release', { meaning: 'Approved for release', reviewer: 'Dana Reviewer', artefact, baseline });
    expect(release).toMatchObject({ decision: 'released', exportId: 'exp-1', artefactPath: 'model-Q8_0.gguf', artefactSha256: sha256, evalId: shippedEval.id, reviewer: 'Dana Reviewer', meaning: 'Approved for release' });
    expect(await exportState(engine)).toMatchObject({ releaseState: 'released', release: { file: 'model-Q8_0.gguf', decision: 'released', reviewer: 'Dana Reviewer' } });
    const note = JSON.parse(fs.readFileSync(path.join(path.dirname(gguf), 'RELEASE.json'), 'utf8')) as Record<string, unknown>;
    expect(note).toMatchObject({ decision: 'released', sha256, file: 'model-Q8_0.gguf', passed: true, reviewer: 'Dana Reviewer', meaning: 'Approved for release' });
    const entry = engine.ctx.db!.prepare("SELECT details FROM audit_log WHERE action = 'release'").get() as { details: string };
    expect(JSON.parse(entry.details)).toMatchObject({ releaseId: release.id, reviewer: 'Dana Reviewer', meaning: 'Approved for release', export: { sha256 } });

    // The same bytes are not released twice: neither again nor by an override once stricter criteria fail it.
    await expect(engine.call('gate.release', { meaning: 'Approved for release', artefact, baseline })).rejects.toMatchObject({
      code: 'CONFLICT', message: expect.stringMatching(/exported model-Q8_0\.gguf was already released by Dana Reviewer/),
    });
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 100 }] });
    const reason = 'Reviewed all answers by hand; acceptable for the pilot.';
    await expect(engine.call('gate.override', { artefact, baseline, reviewer: 'Dana Reviewer', reason })).rejects.toMatchObject({ code: 'CONFLICT' });
    // Picked as the registry model, it is the same bytes: also refused.
    await expect(engine.call('gate.override', { candidate: { modelId: shipped.id, adapterIds: [] }, baseline, reviewer: 'Dana Reviewer', reason })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await engine.call('gate.get', {})).releases).toHaveLength(1);
    expect(await exportState(engine)).toMatchObject({ releaseState: 'released' });

    // The report found by the export names the decision, who signed it and what it means, the bytes and the eval data.
    const report = await engine.call('reports.release', { exportId: 'exp-1', includeContent: true });
    expect(report.releaseId).toBe(release.id);
    const contentHash = (await engine.call('datasets.versions', { datasetId: (await engine.call('datasets.list', {})).datasets[0]!.id })).versions.at(-1)!.contentHash;
    for (const must of ['RELEASED', sha256, 'model-Q8_0.gguf', 'Dana Reviewer', 'Approved for release', 'Evaluation data', contentHash]) expect(report.html, must).toContain(must);
    expect((await readPdf(report.pdfPath)).text.replace(/\s+/g, ' ')).toContain(sha256.slice(0, 32));
    expect((await engine.call('reports.release', { modelId: shipped.id })).releaseId).toBe(release.id);
    await expect(engine.call('reports.release', { exportId: 'no-such-export' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('reports.release', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    const refusals = engine.ctx.db!.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'release.refuse'").get() as { n: number };
    expect(refusals.n).toBe(1);
  }, 180_000);

  it('a base + adapter candidate is not an exported file: the check says so and exports stay draft', async () => {
    const { engine, base, versionId } = await setup();
    const adapter = registerGguf(engine, ensureTestLora(inject('tinyGguf')), 'tiny tuned', 'gguf-lora', base.id);
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
    await engine.call('evals.start', { modelId: base.id, adapterIds: [adapter.id], datasetVersionId: versionId, split: 'all', maxTokens: 8 });
    const check = await engine.call('gate.check', { candidate: { modelId: base.id, adapterIds: [adapter.id] }, baseline: { modelId: base.id, adapterIds: [] } });
    expect(check).toMatchObject({ passed: true, artefact: null });
    const { release } = await engine.call('gate.release', { meaning: 'Approved for release', candidate: { modelId: base.id, adapterIds: [adapter.id] }, baseline: { modelId: base.id, adapterIds: [] } });
    expect(release.exportId).toBeNull();
    expect(await exportState(engine)).toMatchObject({ releaseState: 'draft' });
    await expect(engine.call('gate.check', { baseline: { modelId: base.id, adapterIds: [] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  }, 180_000);
});
