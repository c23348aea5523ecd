import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import type { StartRunArgs } from '../../shared/contract/features/runs.js';
import { trainerConfigSchema } from '../../shared/training/trainer-config.js';
import { datasetQueries } from '../db/queries/datasets.js';

const PAGE = 5000;

/**
 * Writes a dataset version as the trainer's JSONL: examples in the validation split go to validation.jsonl,
 * the rest (train, or no split yet) to train.jsonl. Chat examples train SFT; text examples train CPT.
 */
export function materializeVersion(db: Database.Database, versionId: string, dir: string, objective: 'sft' | 'cpt', opts: { allowEmptyTrain?: boolean } = {}) {
  const q = datasetQueries(db);
  const version = q.versionById(versionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Pick a dataset version on the Train page.');
  fs.mkdirSync(dir, { recursive: true });
  const trainPath = path.join(dir, 'train.jsonl');
  const valPath = path.join(dir, 'validation.jsonl');
  const train = fs.openSync(trainPath, 'w');
  const val = fs.openSync(valPath, 'w');
  let trainCount = 0;
  let valCount = 0;
  try {
    for (let offset = 0; offset < version.example_count; offset += PAGE) {
      for (const r of q.page(versionId, offset, PAGE)) {
        if (r.split === 'test') continue;
        const content = JSON.parse(r.content) as ExampleContent;
        const line = toTrainerLine(content, objective, r.source);
        if (r.split === 'validation') {
          fs.writeSync(val, line);
          valCount += 1;
        } else {
          fs.writeSync(train, line);
          trainCount += 1;
        }
      }
    }
  } finally {
    fs.closeSync(train);
    fs.closeSync(val);
  }
  if (trainCount === 0 && !opts.allowEmptyTrain) throw new LatheError('INVALID_ARGUMENTS', 'This dataset version has no training examples.', 'Import examples, or make a split with a train share above zero.');
  return { train: trainPath, validation: valCount ? valPath : null, trainCount, valCount };
}

function toTrainerLine(content: ExampleContent, objective: 'sft' | 'cpt', source: string): string {
  if (objective === 'sft') {
    if (content.kind !== 'chat') throw new LatheError('INVALID_ARGUMENTS', `Example ${source} is plain text; SFT needs conversations.`, 'Choose the continued pre-training objective for document datasets.');
    return JSON.stringify({ messages: content.messages }) + '\n';
  }
  const text = content.kind === 'text' ? content.text : content.messages.map((m) => m.content).join('\n');
  return JSON.stringify({ text }) + '\n';
}

/**
 * The trainer's run.json for a start request (see resources/trainer/README.md). Options the trainer added
 * later (precision, gradient checkpointing, packing, devices) are written only when they differ from the
 * trainer's default, so a run.json stays readable and an older trainer is not handed keys it would refuse.
 */
export function trainerConfig(
  args: StartRunArgs,
  outputDir: string,
  data: { train: string; validation: string | null },
  recipe: Array<{ path: string; ratio: number; kind: 'chat' | 'text' }> | null = null,
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    base_model: path.resolve(args.baseModelDir),
    output_dir: outputDir,
    method: args.method,
    objective: args.objective,
    data: recipe ? { validation: data.validation ? [data.validation] : null } : { train: [data.train], validation: data.validation ? [data.validation] : null },
    ...(recipe ? { recipe } : {}),
    lora: { rank: args.loraRank, alpha: args.loraRank * 2, dropout: 0.05, target_modules: 'all-linear' },
    max_seq_len: args.maxSeqLen,
    micro_batch_size: args.microBatchSize,
    grad_accum: args.gradAccum,
    lr: args.lr,
    schedule: 'cosine',
    warmup_steps: Math.min(10, Math.floor(args.maxSteps / 10)),
    max_steps: args.maxSteps,
    eval_every: args.evalEvery,
    eval_at_start: args.evalAtStart,
    checkpoint_every: args.checkpointEvery,
    seed: args.seed,
    device: args.device,
  };
  if (args.precision !== 'auto') config.precision = args.precision;
  if (args.gradientCheckpointing) config.gradient_checkpointing = true;
  if (args.attnImplementation !== 'auto') config.attn_implementation = args.attnImplementation;
  if (args.packing !== undefined) config.packing = args.packing;
  if (args.devices.length) config.devices = args.devices;
  if (args.sharding !== 'ddp') config.sharding = args.sharding;
  if (args.keepCheckpoints !== 3) config.keep_checkpoints = args.keepCheckpoints;
  const checked = trainerConfigSchema.safeParse(config); // the one schema both sides share (trainer-config.ts)
  if (!checked.success) {
    throw new LatheError('INTERNAL', `The run.json Lathe built does not match the trainer's schema: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`, 'This is a bug in Lathe; report it with the run settings.');
  }
  return config;
}

/**
 * Each source of a recipe as its own JSONL (train split only; validation comes from the run's main version):
 * chat examples as {"messages"} lines (kind "chat"), documents as {"text"} lines (kind "text").
 */
export function materializeRecipe(db: Database.Database, recipe: NonNullable<StartRunArgs['recipe']>, dir: string) {
  return recipe.map((source, i) => {
    const q = datasetQueries(db);
    const first = q.versionById(source.datasetVersionId) ? q.page(source.datasetVersionId, 0, 1)[0] : undefined;
    const kind = first && (JSON.parse(first.content) as ExampleContent).kind === 'text' ? 'text' : 'chat';
    const out = materializeVersion(db, source.datasetVersionId, path.join(dir, `source-${i + 1}`), kind === 'text' ? 'cpt' : 'sft');
    return { path: out.train, ratio: source.ratio, kind: kind as 'chat' | 'text', examples: out.trainCount };
  });
}
