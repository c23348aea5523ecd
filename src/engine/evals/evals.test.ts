import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { atLeastTokens, fixedAnswer } from '../../../tests/support/forced-output.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { ensureTestLora } from '../inference/test-lora.js';
import { registerGguf } from '../playground/playground-kit.js';

/** Evals and the release gate through the engine: real SQLite, a forked inference host, the tiny GGUF and a GGUF LoRA. */
let engine: Engine | null = null;
let lora = '';
beforeAll(() => {
  lora = ensureTestLora(inject('tinyGguf'));
}, 120_000);
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const QA = [
  ['What is a feeder?', 'A line from a substation.'], ['What is LOTO?', 'Lock-out/tag-out.'], ['What is a relay?', 'A switch.'],
  ['What is a breaker?', 'A switch that opens on a fault.'], ['What is a bus?', 'A conductor that joins circuits.'], ['What is SCADA?', 'Remote control of the grid.'],
  ['What is a recloser?', 'A breaker that closes again.'], ['What is a transformer?', 'It changes voltage.'],
];

async function setup() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const base = registerGguf(engine, inject('tinyGguf'), 'tiny base');
  const adapter = registerGguf(engine, lora, 'tiny tuned', 'gguf-lora', base.id);
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, QA.map(([q, a]) => JSON.stringify({ messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: q }, { role: 'assistant', content: a }] })).join('\n') + '\n');
  const imported = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
  const split = await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.5 } });
  return { engine, base, adapter, versionId: split.version.id, unsplitId: imported.versionId };
}
const audit = (e: Engine, action: string) => (e.ctx.db!.prepare('SELECT details FROM audit_log WHERE action = ? ORDER BY seq').all(action) as Array<{ details: string }>).map((r) => JSON.parse(r.details) as Record<string, unknown>);
const opts = { maxTokens: 10 };
/**
 * The tiny model may answer anything, nothing included (end-of-sequence first). Where a test needs every answer
 * to run to n tokens, a structured eval holds it to a schema that no shorter answer satisfies: of the model's own
 * words (talking), or of one known answer when the test counts tokens (fixed).
 */
const talking = (n: number) => ({ task: 'structured' as const, jsonSchema: atLeastTokens(n), maxTokens: n });
const fixed = (n: number) => ({ task: 'structured' as const, jsonSchema: fixedAnswer(n), maxTokens: n });

describe('evals (engine + forked inference host + SQLite)', () => {
  it('stores per-item results, resumes after a cancel without duplicates, and is deterministic (greedy)', async () => {
    const { engine, base, versionId } = await setup();
    const progress: Array<number | null> = [];
    let stopped = false;
    engine.ctx.events.listen('job.progress', (p) => {
      if (p.kind !== 'eval') return;
      progress.push(p.fraction);
      if (!stopped && p.state === 'running' && (p.fraction ?? 0) > 0) {
        stopped = true;
        engine.ctx.jobs.cancel('e1');
      }
    });
    await expect(engine.call('evals.start', { jobId: 'e1', modelId: base.id, datasetVersionId: versionId, ...opts })).rejects.toMatchObject({ code: 'CANCELLED' });
    const [interrupted] = (await engine.call('evals.list', {})).evals;
    expect(interrupted).toMatchObject({ status: 'cancelled', split: 'test' });
    const total = interrupted!.itemCount;
    expect(total).toBeGreaterThanOrEqual(3);
    expect(interrupted!.doneItems).toBeGreaterThanOrEqual(1);
    expect(interrupted!.doneItems).toBeLessThan(total);
    const before = (await engine.call('evals.items', { evalId: interrupted!.id })).items;

    const resumed = await engine.call('evals.start', { jobId: 'e2', resumeEvalId: interrupted!.id });
    expect(resumed).toMatchObject({ id: interrupted!.id, status: 'done', doneItems: total });
    const items = (await engine.call('evals.items', { evalId: resumed.id })).items;
    expect(new Set(items.map((i) => i.position)).size).toBe(total);
    expect(items.slice(0, before.length)).toEqual(before); // stored items were skipped, not asked again
    for (const i of items) {
      expect(i.reference).toMatch(/\w/);
      expect(i.tokens).toBeLessThanOrEqual(opts.maxTokens); // what the tiny model says is its own; it may say nothing
      if (i.output.trim()) expect(i.tokens).toBeGreaterThan(0);
      expect(i.latencyMs).toBeGreaterThan(0);
      expect(i.scores.f1).toBeGreaterThanOrEqual(0);
      expect(i.scores.f1).toBeLessThanOrEqual(1);
    }
    expect(progress).toContain(null); // the cancelled state
    expect(progress.at(-1)).toBe(1);

    // A fresh eval gives the same answers: greedy decoding with a fixed seed.
    const fresh = await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, ...opts });
    expect((await engine.call('evals.items', { evalId: fresh.id })).items.map((i) => i.output)).toEqual(items.map((i) => i.output));
    const same = await engine.call('evals.compare', { aEvalId: resumed.id, bEvalId: fresh.id });
    expect(same.metrics.every((m) => m.interval.delta === 0 && m.interval.low === 0 && m.interval.high === 0)).toBe(true);
    expect(same.regressions).toEqual([]);
    expect(audit(engine, 'eval.cancel')).toHaveLength(1);
    expect(audit(engine, 'eval.resume')[0]).toMatchObject({ total });
    expect(audit(engine, 'eval.finish')).toHaveLength(2);
    expect(audit(engine, 'eval.start')[0]).toMatchObject({ datasetVersion: { id: versionId }, split: 'test', settings: { temperature: 0 } });
  });

  it('an inference host killed mid-eval fails the eval, keeps its items, and a resume completes it on a fresh host', async () => {
    const { engine, base, versionId } = await setup();
    let killed = false;
    let armed = false;
    engine.ctx.events.listen('job.progress', (p) => {
      if (p.kind === 'eval' && (p.fraction ?? 0) > 0) armed = true;
    });
    // Killed on the first streamed token after one item is stored: mid-generation of the next item. Every answer
    // runs to 200 tokens (the schema allows no early end), so the next item surely streams one.
    engine.ctx.inference.client().listen('inference.token', () => {
      if (!armed || killed) return;
      killed = true;
      (engine.ctx.inference as unknown as { child: import('node:child_process').ChildProcess }).child.kill('SIGKILL');
    });
    await expect(engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, ...fixed(200) })).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: expect.stringMatching(/items scored so far are kept/) });
    expect(killed).toBe(true);
    const [broken] = (await engine.call('evals.list', {})).evals;
    expect(broken).toMatchObject({ status: 'failed' });
    expect(broken!.doneItems).toBeGreaterThanOrEqual(1);
    expect(broken!.doneItems).toBeLessThan(broken!.itemCount);
    const done = await engine.call('evals.start', { resumeEvalId: broken!.id });
    expect(done).toMatchObject({ status: 'done', doneItems: broken!.itemCount });
    expect((await engine.call('evals.items', { evalId: done.id })).items.map((i) => i.tokens)).toEqual(Array(broken!.itemCount).fill(200));
    expect(engine.ctx.db!.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(audit(engine, 'eval.fail')).toHaveLength(1);
  });

  it('compares base against base + LoRA with intervals and a regression list; the gate refuses, then records an override', async () => {
    const { engine, base, adapter, versionId } = await setup();
    // The adapter is applied: held to 10 tokens each (so neither can answer with nothing), base and base + LoRA differ.
    const heldA = await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, ...talking(10) });
    const heldB = await engine.call('evals.start', { modelId: adapter.id, datasetVersionId: versionId, ...talking(10) });
    const outputs = async (id: string) => (await engine.call('evals.items', { evalId: id })).items.map((i) => i.output);
    expect(await outputs(heldB.id)).not.toEqual(await outputs(heldA.id));

    // The QA evals the gate decides on (the latest of each).
    const a = await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, ...opts });
    const b = await engine.call('evals.start', { modelId: adapter.id, datasetVersionId: versionId, ...opts }); // adapter alone: base found via registry
    expect(b).toMatchObject({ modelId: base.id, adapterIds: [adapter.id], status: 'done' });
    const itemsA = (await engine.call('evals.items', { evalId: a.id })).items;
    const cmp = await engine.call('evals.compare', { aEvalId: a.id, bEvalId: b.id, metric: 'rougeL' });
    const rouge = cmp.metrics.find((m) => m.metric === 'rougeL')!;
    expect(rouge.interval.delta).toBeCloseTo(rouge.b - rouge.a, 12);
    expect(rouge.interval.low).toBeLessThanOrEqual(rouge.interval.delta);
    expect(rouge.interval.high).toBeGreaterThanOrEqual(rouge.interval.delta);
    expect(cmp.regressions.length + cmp.improvements + cmp.unchanged).toBe(itemsA.length);
    for (const r of cmp.regressions) expect(r.scoreB).toBeLessThan(r.scoreA);

    const candidate = { modelId: base.id, adapterIds: [adapter.id] };
    const baseline = { modelId: base.id, adapterIds: [] };
    // No criteria yet: the gate does not pass by default.
    expect((await engine.call('gate.check', { candidate, baseline })).passed).toBe(false);
    await expect(engine.call('gate.override', { candidate, baseline, reason: 'Accepted for the pilot: answers are reviewed by a human.', reviewer: 'R. Diaz' })).rejects.toMatchObject({ message: expect.stringMatching(/No release criteria/) });
    // A bar no adapter clears here (F1 from base to base + 100 points: every answer word for word right), so the
    // refusal does not hang on how a random LoRA happens to score against the tiny model.
    await engine.call('gate.set', { criteria: [{ kind: 'min-gain', metric: 'f1', points: 100 }, { kind: 'max-regressions', metric: 'f1', points: 10, count: 0 }] });
    const check = await engine.call('gate.check', { candidate, baseline });
    expect(check).toMatchObject({ passed: false, candidateEvalId: b.id, baselineEvalId: a.id, problems: [] });
    const f1 = cmp.metrics.find((m) => m.metric === 'f1')!;
    expect(check.results[0]).toMatchObject({ passed: false, actual: expect.closeTo(f1.b * 100, 1), required: expect.closeTo(f1.a * 100 + 100, 1) });
    await expect(engine.call('gate.release', { meaning: 'Approved for release', candidate, baseline })).rejects.toMatchObject({ code: 'GATE_FAILED', message: expect.stringMatching(/release gate refused/) });
    expect(audit(engine, 'release.refuse')).toHaveLength(1);
    expect((await engine.call('gate.get', {})).releases).toEqual([]);

    await expect(engine.call('gate.override', { candidate, baseline, reason: 'ok', reviewer: 'R. Diaz' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine.call('gate.override', { candidate, baseline, reason: 'Accepted for the pilot: answers are reviewed by a human.', reviewer: ' ' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    const o = await engine.call('gate.override', { candidate, baseline, reason: 'Accepted for the pilot: answers are reviewed by a human.', reviewer: 'R. Diaz' });
    expect(o.release).toMatchObject({ decision: 'overridden', passed: false, reviewer: 'R. Diaz', evalId: b.id, baselineEvalId: a.id });
    const [entry] = audit(engine, 'release.override');
    expect(entry).toMatchObject({ reason: 'Accepted for the pilot: answers are reviewed by a human.', reviewer: 'R. Diaz', evalId: b.id });
    expect((await engine.call('gate.get', {})).releases).toHaveLength(1);

    // A criterion the candidate meets: it was already released (with the override), so it is not released twice.
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
    await expect(engine.call('gate.release', { meaning: 'Approved for release', candidate, baseline })).rejects.toMatchObject({
      code: 'CONFLICT', message: expect.stringMatching(/already released with an override by R\. Diaz/),
    });
    // Another candidate that meets it releases normally, signed by the named reviewer with the meaning stated.
    const ok = await engine.call('gate.release', { meaning: 'Approved for release', reviewer: 'Kim Lee', candidate: baseline, baseline });
    expect(ok.release).toMatchObject({ decision: 'released', passed: true, reason: null, reviewer: 'Kim Lee', meaning: 'Approved for release' });
    expect(audit(engine, 'release')).toHaveLength(1);
    expect(audit(engine, 'release')[0]).toMatchObject({ reviewer: 'Kim Lee', meaning: 'Approved for release' });
    expect(audit(engine, 'gate.criteria.set')).toHaveLength(2);
    expect((await engine.call('audit.verify', {})).ok).toBe(true);
  });

  it('refuses bad input clearly and writes nothing', async () => {
    const { engine, base, unsplitId, versionId } = await setup();
    await expect(engine.call('evals.start', { modelId: base.id, datasetVersionId: unsplitId })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/no chat examples in its test split/) });
    await expect(engine.call('evals.start', { modelId: 'nope', datasetVersionId: versionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('evals.start', { modelId: base.id, datasetVersionId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('evals.start', { resumeEvalId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('evals.start', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine.call('gate.set', { criteria: [{ kind: 'min-gain', metric: 'bleu', points: 5 }] } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect((engine.ctx.db!.prepare('SELECT count(*) AS n FROM evals').get() as { n: number }).n).toBe(0);
    const all = await engine.call('evals.start', { modelId: base.id, datasetVersionId: unsplitId, split: 'all', limit: 2, maxTokens: 4 });
    expect(all).toMatchObject({ itemCount: 2, doneItems: 2, split: 'all' });
    const testEval = await engine.call('evals.start', { modelId: base.id, datasetVersionId: versionId, maxTokens: 4 });
    await expect(engine.call('evals.compare', { aEvalId: all.id, bEvalId: testEval.id })).rejects.toMatchObject({ message: expect.stringMatching(/different data/) });
  });
});
