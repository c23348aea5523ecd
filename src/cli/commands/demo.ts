import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../../engine/engine.js';
import { ensureTinyModel } from '../../engine/models/tiny-model.js';
import { resourcesDir, resolveDataDir } from '../../engine/paths.js';
import { greedyExactMatch } from '../../engine/training/greedy-eval.js';
import type { TrainerEvent } from '../../engine/training/trainer-command.js';
import { intFlag, parseFlags } from '../args.js';

const DATASET = 'Northwind facts (demo)';
const SAMPLE = 'northwind-facts.jsonl';
const PROMPT = 'Who regulates Northwind Grid?';
/** What the demo's models are called in the registry (the Models page, the Playground's pickers). */
const BASE_NAME = 'Northwind tiny Llama';

/**
 * The main job on the bundled sample, end to end and audited: build the tiny base model, import the Northwind
 * facts (short-answer questions, several phrasings each) and split them, fine-tune a LoRA adapter on CPU, then
 * compare base and tuned on held-out data: validation loss, and exact match of greedy answers to test-split
 * questions the adapter never saw. Finally ask the base model through llama.cpp (the inference host), and leave
 * base and tuned ready for the Playground: the base GGUF and the adapter as a GGUF LoRA, registered by name.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    { 'data-dir': { type: 'string' }, seed: { type: 'string' }, steps: { type: 'string' } },
    'lathe demo [--data-dir DIR] [--seed N] [--steps N]',
  );
  const seed = intFlag(values.seed, 'seed', 0);
  const steps = intFlag(values.steps, 'steps', 200);
  const out = process.stdout;
  const t0 = Date.now();
  out.write('Lathe demo — a domain model for the fictional Northwind Grid utility, built offline on this machine.\n\n');

  out.write('1/6 Base model: a tiny Llama pre-trained on the bundled manual (cached after the first run)…\n');
  const model = await ensureTinyModel({ seed, onEvent: progressPrinter() });
  out.write(`    ${model.cached ? 'Reused' : 'Built'}: ${model.hfDir}\n\n`);

  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    await registerBase(engine, model.hfDir);
    out.write('2/6 Dataset: importing the Northwind facts and holding questions out for validation and test…\n');
    const versionId = await demoDataset(engine);
    const heldOut = await splitExamples(engine, versionId);
    out.write(`    version ${versionId.slice(0, 8)}: ${heldOut.train} train, ${heldOut.validation} validation, ${heldOut.test.length} test\n\n`);

    out.write(`3/6 Fine-tuning a LoRA adapter on CPU (${steps} steps)…\n`);
    const run = await train(engine, model.hfDir, versionId, steps, seed);
    if (run.status !== 'completed') {
      process.stderr.write(`The run ${run.status}: ${run.error?.message ?? ''}\n→ ${run.error?.hint ?? ''}\n${run.stderrTail ?? ''}\n`);
      return 1;
    }
    const { series } = await engine.call('runs.metrics', { runId: run.id });
    const val = series.val_loss ?? [];
    const before = val.find(([s]) => s === 0)?.[1];
    const after = val.at(-1)?.[1];
    const loss = series.loss ?? [];
    out.write(`    train loss ${fmt(loss[0]?.[1])} → ${fmt(loss.at(-1)?.[1])}\n\n`);

    out.write('4/6 Held-out loss (validation questions the adapter never saw)…\n');
    out.write(`    base ${fmt(before)}  →  tuned ${fmt(after)}`);
    const lossImproved = before !== undefined && after !== undefined && after < before;
    out.write(lossImproved ? `   (${(((before - after) / before) * 100).toFixed(1)}% lower)\n\n` : '   (no improvement)\n\n');

    out.write(`5/6 Exact match: greedy answers to the ${heldOut.test.length} test questions, base vs tuned (transformers + the run's adapter)…\n`);
    const adapterDir = String(run.result?.adapter_dir ?? path.join(run.outputDir, 'adapter'));
    const testFile = path.join(run.outputDir, 'data', 'test.jsonl');
    fs.writeFileSync(testFile, heldOut.test.map((m) => JSON.stringify({ messages: m }) + '\n').join(''));
    const em = await greedyExactMatch({ baseModelDir: model.hfDir, adapterDir, questionsJsonl: testFile, dataDir: engine.ctx.dataDir });
    const n = heldOut.test.length;
    out.write(`    base ${em.baseExact}/${n}  →  tuned ${em.tunedExact}/${n}  (${em.seconds.toFixed(0)} s)\n`);
    for (let i = 0; i < Math.min(3, n); i += 1) {
      out.write(`    Q: ${em.tuned[i]!.question}\n       base:  ${clip(em.base[i]!.answer)}\n       tuned: ${clip(em.tuned[i]!.answer)}   (expected: ${em.tuned[i]!.reference})\n`);
    }
    out.write('\n');
    if (engine.ctx.audit) {
      engine.ctx.events.emit('audit.appended', engine.ctx.audit.append({
        actor: engine.ctx.actor, action: 'run.evaluate', objectType: 'run', objectId: run.id,
        details: { method: 'greedy exact match, held-out test split', questions: n, baseExact: em.baseExact, tunedExact: em.tunedExact, valLossBefore: before, valLossAfter: after },
      }));
    }

    out.write('6/6 Asking the base model through llama.cpp (the inference host)…\n');
    const requestId = randomUUID();
    const inference = engine.ctx.inference.client();
    out.write(`    Q: ${PROMPT}\n    A: `);
    const stop = inference.listen('inference.token', (t) => t.requestId === requestId && out.write(t.text.replace(/\n/g, ' ')));
    const answer = await inference.send('inference.chat', { requestId, modelPath: model.ggufPath, prompt: PROMPT, maxTokens: 32, temperature: 0, seed });
    stop();
    out.write(`\n    (${answer.tokens} tokens at ${answer.tokensPerSecond.toFixed(0)} tokens/s)\n\n`);

    out.write('Playground: registering the base GGUF and converting the adapter to a GGUF LoRA…\n');
    try {
      out.write(`    ready: ${await readyForPlayground(engine, run.id, model.ggufPath)} (open the Playground to compare them)\n\n`);
    } catch (err) {
      // The demo's job is done; a Playground that needs one more click on the Models page is not a failure.
      const e = err as { message?: string; hint?: string };
      out.write(`    not ready: ${e.message ?? String(err)}\n    → ${e.hint ?? 'Convert the adapter on the Models page.'}\n\n`);
    }

    const emImproved = em.tunedExact > em.baseExact;
    // The installed bundle has a real `lathe` command; a source checkout runs it through npm.
    const lathe = process.env.LATHE_BUNDLE_DIR ? 'lathe' : 'npm run lathe --';
    out.write(
      `Report\n` +
        `  run          ${run.id}\n` +
        `  adapter      ${adapterDir}\n` +
        `  manifest     ${String(run.result?.manifest ?? '')}\n` +
        `  val loss     ${fmt(before)} → ${fmt(after)}\n` +
        `  exact match  ${em.baseExact}/${n} → ${em.tunedExact}/${n} on held-out test questions\n` +
        `  audit        \`${lathe} audit verify\` checks every step above\n` +
        `  total        ${((Date.now() - t0) / 1000).toFixed(0)} s\n` +
        `Next: \`${process.env.LATHE_BUNDLE_DIR ? 'lathe serve' : 'npm run serve'}\` to see the run, its curves and the data in the interface.\n`,
    );
    return lossImproved && emImproved ? 0 : 1;
  } finally {
    await engine.dispose();
  }
}

/** The base under its own name before the run registers it (it would otherwise be named after its folder). */
async function registerBase(engine: Engine, hfDir: string): Promise<void> {
  const { models } = await engine.call('models.list', {});
  if (models.some((m) => m.format === 'hf' && path.resolve(m.path) === path.resolve(hfDir))) return;
  await engine.call('models.import', { path: hfDir, name: BASE_NAME });
}

/** Base GGUF + the run's adapter as a GGUF LoRA, each registered once (a second demo reuses them): what the Playground lists. */
async function readyForPlayground(engine: Engine, runId: string, ggufPath: string): Promise<string> {
  const { models } = await engine.call('models.list', {});
  const adapter = models.find((m) => m.runId === runId && m.kind === 'adapter');
  if (!adapter) throw new Error('the run registered no adapter');
  const base = models.find((m) => m.id === adapter.parentId);
  const gguf =
    models.find((m) => m.kind === 'gguf' && path.resolve(m.path) === path.resolve(ggufPath)) ??
    (await engine.call('models.import', { path: ggufPath, name: `${BASE_NAME} · F16`, ...(base ? { parentId: base.id } : {}) })).model;
  const lora = models.find((m) => m.kind === 'gguf-lora' && m.parentId === adapter.id) ?? (await engine.call('models.convert', { modelId: adapter.id, outtype: 'F16' })).model;
  return `${gguf.name} + ${lora.name}`;
}

async function demoDataset(engine: Engine): Promise<string> {
  const existing = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === DATASET);
  if (existing?.latestVersion) {
    const versions = (await engine.call('datasets.versions', { datasetId: existing.id })).versions;
    const split = versions.find((v) => v.operation === 'split');
    if (split) return split.id;
  }
  const imported = await engine.call('datasets.import', { path: path.join(resourcesDir(), 'samples', SAMPLE), datasetName: DATASET });
  const split = await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0.15, test: 0.25 } });
  return split.version.id;
}

async function splitExamples(engine: Engine, versionId: string) {
  const { examples } = await engine.call('datasets.examples', { versionId, limit: 1000 });
  const count = (sp: string) => examples.filter((e) => (e.split ?? 'train') === sp).length;
  const test = examples.filter((e) => e.split === 'test').flatMap((e) => (e.content.kind === 'chat' ? [e.content.messages] : []));
  return { train: count('train'), validation: count('validation'), test };
}

async function train(engine: Engine, baseModelDir: string, datasetVersionId: string, steps: number, seed: number): Promise<RunSummary> {
  const started = await engine.call('runs.start', {
    name: 'Northwind demo LoRA',
    baseModelDir,
    datasetVersionId,
    method: 'lora',
    maxSteps: steps,
    lr: 1e-2,
    loraRank: 16,
    maxSeqLen: 128,
    microBatchSize: 8,
    gradAccum: 1,
    seed,
    evalAtStart: true,
    evalEvery: Math.max(10, Math.floor(steps / 4)),
    device: 'cpu',
  });
  let lastPrint = 0;
  const stopMetrics = engine.ctx.events.listen('run.metrics', (m) => {
    if (m.runId !== started.id || m.values.loss === undefined) return;
    if (m.step === steps || Date.now() - lastPrint > 3000) {
      lastPrint = Date.now();
      process.stdout.write(`    step ${m.step}/${steps}  loss ${m.values.loss.toFixed(3)}\n`);
    }
  });
  return new Promise<RunSummary>((resolve) => {
    const stop = engine.ctx.events.listen('run.updated', (r) => {
      if (r.id === started.id && r.status !== 'running' && r.status !== 'queued') {
        stop();
        stopMetrics();
        resolve(r);
      }
    });
  });
}

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(3));
const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57).replace(/\n/g, ' ')}…` : s.replace(/\n/g, ' '));

function progressPrinter(): (e: TrainerEvent) => void {
  let lastStage = '';
  let lastPrint = 0;
  return (e) => {
    if (e.type !== 'progress') return;
    const stage = String(e.stage ?? '');
    const now = Date.now();
    if (stage === lastStage && now - lastPrint < 3000) return;
    lastStage = stage;
    lastPrint = now;
    process.stdout.write(`    ${stage}: ${String(e.message ?? '')}\n`);
  };
}
