import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../../engine/engine.js';
import { ensureTinyModel } from '../../engine/models/tiny-model.js';
import { resourcesDir, resolveDataDir } from '../../engine/paths.js';
import type { TrainerEvent } from '../../engine/training/trainer-command.js';
import { intFlag, parseFlags } from '../args.js';

const DATASET = 'Northwind QA (demo)';
const PROMPT = 'What should a crew check before working on a substation transformer?';

/**
 * The main job on the bundled sample, end to end and audited: build the tiny base model, import the
 * Northwind Q&A set and split it, fine-tune a LoRA adapter on CPU, compare held-out loss before and after,
 * and ask the base model a question through llama.cpp.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    { 'data-dir': { type: 'string' }, seed: { type: 'string' }, steps: { type: 'string' } },
    'lathe demo [--data-dir DIR] [--seed N] [--steps N]',
  );
  const seed = intFlag(values.seed, 'seed', 0);
  const steps = intFlag(values.steps, 'steps', 60);
  const out = process.stdout;
  const t0 = Date.now();
  out.write('Lathe demo — a domain model for the fictional Northwind Grid utility, built offline on this machine.\n\n');

  out.write('1/5 Base model: a tiny Llama pre-trained on the bundled manual (cached after the first run)…\n');
  const model = await ensureTinyModel({ seed, onEvent: progressPrinter() });
  out.write(`    ${model.cached ? 'Reused' : 'Built'}: ${model.hfDir}\n\n`);

  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    out.write('2/5 Dataset: importing the Northwind Q&A examples and holding some out for validation…\n');
    const versionId = await demoDataset(engine);
    const sizes = await splitSizes(engine, versionId);
    out.write(`    version ${versionId.slice(0, 8)}: ${sizes.train} train, ${sizes.validation} validation, ${sizes.test} test\n\n`);

    out.write(`3/5 Fine-tuning a LoRA adapter on CPU (${steps} steps)…\n`);
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

    out.write('4/5 Held-out evaluation (validation loss on examples the adapter never saw)…\n');
    out.write(`    base ${fmt(before)}  →  tuned ${fmt(after)}`);
    const improved = before !== undefined && after !== undefined && after < before;
    out.write(improved ? `   (${(((before - after) / before) * 100).toFixed(1)}% lower: the adapter learned the domain)\n\n` : '   (no improvement)\n\n');

    out.write('5/5 Asking the base model through llama.cpp (the inference host)…\n');
    const requestId = randomUUID();
    const inference = engine.ctx.inference.client();
    out.write(`    Q: ${PROMPT}\n    A: `);
    const stop = inference.listen('inference.token', (t) => t.requestId === requestId && out.write(t.text.replace(/\n/g, ' ')));
    const answer = await inference.send('inference.chat', { requestId, modelPath: model.ggufPath, prompt: PROMPT, maxTokens: 48, temperature: 0, seed });
    stop();
    out.write(`\n    (${answer.tokens} tokens at ${answer.tokensPerSecond.toFixed(0)} tokens/s)\n\n`);

    out.write(
      `Report\n` +
        `  run        ${run.id}\n` +
        `  adapter    ${String(run.result?.adapter_dir ?? path.join(run.outputDir, 'adapter'))}\n` +
        `  manifest   ${String(run.result?.manifest ?? '')}\n` +
        `  val loss   ${fmt(before)} → ${fmt(after)}\n` +
        `  audit      \`npm run lathe -- audit verify\` checks every step above\n` +
        `  total      ${((Date.now() - t0) / 1000).toFixed(0)} s\n` +
        `Next: \`npm run serve\` to see the run, its curves and the data in the interface.\n`,
    );
    return improved ? 0 : 1;
  } finally {
    await engine.dispose();
  }
}

async function demoDataset(engine: Engine): Promise<string> {
  const existing = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === DATASET);
  if (existing?.latestVersion) {
    const versions = (await engine.call('datasets.versions', { datasetId: existing.id })).versions;
    const split = versions.find((v) => v.operation === 'split');
    if (split) return split.id;
  }
  const imported = await engine.call('datasets.import', { path: path.join(resourcesDir(), 'samples', 'northwind-qa.jsonl'), datasetName: DATASET });
  const split = await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0.2, test: 0 } });
  return split.version.id;
}

async function splitSizes(engine: Engine, versionId: string) {
  const { examples } = await engine.call('datasets.examples', { versionId, limit: 1000 });
  const count = (s: string) => examples.filter((e) => (e.split ?? 'train') === s).length;
  return { train: count('train'), validation: count('validation'), test: count('test') };
}

async function train(engine: Engine, baseModelDir: string, datasetVersionId: string, steps: number, seed: number): Promise<RunSummary> {
  const started = await engine.call('runs.start', {
    name: 'Northwind demo LoRA',
    baseModelDir,
    datasetVersionId,
    method: 'lora',
    maxSteps: steps,
    lr: 5e-3,
    loraRank: 8,
    maxSeqLen: 384,
    microBatchSize: 4,
    gradAccum: 1,
    seed,
    evalAtStart: true,
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
      if (r.id === started.id && r.status !== 'running') {
        stop();
        stopMetrics();
        resolve(r);
      }
    });
  });
}

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(3));

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
