import { LatheError } from '../../shared/contract/errors.js';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';
import { resolveRecordId } from '../ids.js';

const USAGE =
  'lathe train --reproduce RUN_ID [--data-dir DIR] | lathe train --base HF_DIR --dataset NAME [--version N] [--method lora|full|qlora] [--objective sft|cpt|dpo|orpo|simpo|kto] [--beta X] ' +
  '[--steps N] [--lr X] [--rank N] [--seq-len N] [--batch N] [--accum N] [--seed N] [--checkpoint-every N] [--device auto|cpu|cuda] ' +
  '[--devices 0,1] [--sharding ddp|fsdp] [--keep-checkpoints N] [--precision auto|fp32|bf16|fp16] [--attn auto|sdpa|eager|flash_attention_2] [--gradient-checkpointing] [--packing|--no-packing] [--hang-timeout S] [--target NAME] [--data-dir DIR]';

const BOOLEAN_FLAGS = ['--gradient-checkpointing', '--packing', '--no-packing'];

/** Headless training (a GPU server without the UI): the same run supervisor, progress on stdout, Ctrl+C stops with a checkpoint. */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags<Record<string, { type: 'string' }>>(
    argv.filter((a) => !BOOLEAN_FLAGS.includes(a)),
    Object.fromEntries(
      ['base', 'dataset', 'version', 'method', 'objective', 'steps', 'lr', 'rank', 'seq-len', 'batch', 'accum', 'seed', 'checkpoint-every', 'device', 'devices', 'sharding', 'keep-checkpoints', 'precision', 'attn', 'hang-timeout', 'data-dir', 'reproduce', 'beta', 'target'].map((k) => [k, { type: 'string' as const }]),
    ) as Record<string, { type: 'string' }>,
    USAGE,
  );
  const flags = parseFlags(argv.filter((a) => BOOLEAN_FLAGS.includes(a)), { 'gradient-checkpointing': { type: 'boolean' }, packing: { type: 'boolean' }, 'no-packing': { type: 'boolean' } }, USAGE).values;
  if (flags.packing && flags['no-packing']) throw new LatheError('INVALID_ARGUMENTS', '--packing and --no-packing contradict each other.', 'Give one of them, or neither for the default (packed wherever the model keeps packed examples apart).');
  if (!values.reproduce && (!values.base || !values.dataset)) throw new LatheError('INVALID_ARGUMENTS', 'Both --base and --dataset are needed (or --reproduce RUN_ID).', `Usage: ${USAGE}`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    const started = values.reproduce ? await engine.call('runs.reproduce', { runId: resolveRecordId(engine, 'run', values.reproduce) }) : await startFromFlags(engine, values, flags);
    return await follow(engine, started);
  } finally {
    await engine.dispose();
  }
}

async function startFromFlags(engine: Engine, values: Record<string, string | undefined>, flags: Record<string, boolean | undefined>): Promise<RunSummary> {
  const dataset = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === values.dataset);
  if (!dataset?.latestVersion) throw new LatheError('NOT_FOUND', `There is no dataset named "${values.dataset}".`, 'Import it first with `lathe import FILE --name NAME`.');
  const versions = (await engine.call('datasets.versions', { datasetId: dataset.id })).versions;
  const version = values.version ? versions.find((v) => v.number === intFlag(values.version, 'version', 1)) : versions[0];
  if (!version) throw new LatheError('NOT_FOUND', `Dataset "${values.dataset}" has no version ${values.version}.`, `It has versions ${versions.map((v) => v.number).join(', ')}.`);
  const lr = values.lr === undefined ? undefined : Number(values.lr);
  if (lr !== undefined && !(lr > 0)) throw new LatheError('INVALID_ARGUMENTS', `--lr must be a positive number, got "${values.lr}".`, 'Example: --lr 2e-4');
  const beta = values.beta === undefined ? undefined : Number(values.beta);
  if (beta !== undefined && !(beta > 0)) throw new LatheError('INVALID_ARGUMENTS', `--beta must be a positive number, got "${values.beta}".`, 'Example: --beta 0.1 (DPO, KTO) or --beta 2 (SimPO)');
  const started = await engine.call('runs.start', {
    ...(beta !== undefined ? { preference: { beta } } : {}),
    baseModelDir: values.base!,
    datasetVersionId: version.id,
    ...(values.method ? { method: values.method as 'lora' } : {}),
    ...(values.objective ? { objective: values.objective as 'sft' } : {}),
    ...(values.device ? { device: values.device as 'auto' } : {}),
    ...(lr !== undefined ? { lr } : {}),
    maxSteps: intFlag(values.steps, 'steps', 100),
    loraRank: intFlag(values.rank, 'rank', 16),
    maxSeqLen: intFlag(values['seq-len'], 'seq-len', 512),
    microBatchSize: intFlag(values.batch, 'batch', 4),
    gradAccum: intFlag(values.accum, 'accum', 1),
    seed: intFlag(values.seed, 'seed', 0),
    checkpointEvery: intFlag(values['checkpoint-every'], 'checkpoint-every', 50),
    evalAtStart: true,
    ...(values.precision ? { precision: values.precision as 'auto' } : {}),
    ...(values.attn ? { attnImplementation: values.attn as 'auto' } : {}),
    ...(values.sharding ? { sharding: values.sharding as 'ddp' } : {}),
    ...(values['keep-checkpoints'] ? { keepCheckpoints: intFlag(values['keep-checkpoints'], 'keep-checkpoints', 0) } : {}),
    ...(values.devices ? { devices: values.devices.split(',').map((d) => intFlag(d.trim(), 'devices', 0)) } : {}),
    ...(values.target ? { target: values.target } : {}),
    ...(values['hang-timeout'] ? { hangTimeoutS: intFlag(values['hang-timeout'], 'hang-timeout', 300) } : {}),
    gradientCheckpointing: flags['gradient-checkpointing'] === true,
    // Neither flag: the trainer's default (packed where exact: CPT, recipes, and SFT on families whose attention keeps examples apart).
    ...(flags.packing ? { packing: true } : flags['no-packing'] ? { packing: false } : {}),
  });
  process.stdout.write(`Run ${started.id} on ${dataset.name} v${version.number}; Ctrl+C stops it with a checkpoint.\n`);
  return started;
}

/** Progress on stdout until the run ends; Ctrl+C stops it with a checkpoint. */
export async function follow(engine: Engine, started: RunSummary): Promise<number> {
  const link = started.events.find((e) => e.kind === 'reproduce');
  if (link) process.stdout.write(`Run ${started.id}: ${link.message}\n`);
  if (started.status === 'queued') process.stdout.write(`Queued: waiting for ${started.slot} (place ${started.queuePosition}).\n`);
  const onSignal = () => void engine.call('runs.stop', { runId: started.id });
  process.on('SIGINT', onSignal);
  const stopMetrics = engine.ctx.events.listen('run.metrics', (m) => {
    if (m.runId !== started.id) return;
    const parts = Object.entries(m.values).map(([k, v]) => `${k} ${Math.abs(v) >= 1000 ? v.toExponential(2) : v.toFixed(4)}`);
    process.stdout.write(`step ${m.step}  ${parts.join('  ')}\n`);
  });
  const run = await new Promise<RunSummary>((resolve) => {
    const off = engine.ctx.events.listen('run.updated', (r) => r.id === started.id && r.status !== 'running' && r.status !== 'queued' && (off(), resolve(r)));
  });
  stopMetrics();
  process.off('SIGINT', onSignal);
  process.stdout.write(`Run ${run.status}.${run.result?.adapter_dir ? ` Adapter: ${String(run.result.adapter_dir)}` : ''}\n`);
  if (run.error) process.stderr.write(`${run.error.message}\n→ ${run.error.hint}\n`);
  const verdict = run.events.find((e) => e.kind === 'reproduction_checked');
  if (verdict) process.stdout.write(`${verdict.message}\n`);
  return run.status === 'completed' && (!verdict || (verdict.data as { identical?: boolean }).identical === true) ? 0 : 1;
}
