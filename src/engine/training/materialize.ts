import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent, ExampleMessage } from '../../shared/contract/features/datasets.js';
import { EXAMPLE_KIND_LABEL, exampleText } from '../../shared/datasets/example-text.js';
import { PREFERENCE_OBJECTIVES, type StartRunArgs } from '../../shared/contract/features/runs.js';
import { trainerConfigSchema } from '../../shared/training/trainer-config.js';
import { datasetQueries } from '../db/queries/datasets.js';

const PAGE = 5000;

/**
 * Writes a dataset version as the trainer's JSONL: examples in the validation split go to validation.jsonl,
 * the rest (train, or no split yet) to train.jsonl, one or more lines per example as `toTrainerLines` writes them.
 */
export function materializeVersion(db: Database.Database, versionId: string, dir: string, objective: TrainingObjective, opts: { allowEmptyTrain?: boolean } = {}) {
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
        const lines = toTrainerLines(content, objective, r.source).join('');
        if (r.split === 'validation') {
          fs.writeSync(val, lines);
          valCount += 1;
        } else {
          fs.writeSync(train, lines);
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

/** What a run trains: SFT on conversations, CPT on text, or a preference objective on pairs / labelled answers. */
export type TrainingObjective = StartRunArgs['objective'];
const PAIRWISE = new Set<TrainingObjective>(['dpo', 'orpo', 'simpo']);

/** A turn as the trainer reads it (resources/trainer/README.md): the stored turn without the source's unused fields. */
const trainerTurn = ({ extra: _extra, ...m }: ExampleMessage) => m;
const withTools = (content: { tools?: Array<Record<string, unknown>> | undefined }) => (content.tools ? { tools: content.tools } : {});

/**
 * The trainer's lines for one example (a preference pair trained with KTO gives two: chosen desirable, rejected
 * undesirable), or a LatheError naming the example and the objective that would fit it.
 */
export function toTrainerLines(content: ExampleContent, objective: TrainingObjective, source: string): string[] {
  const line = (o: Record<string, unknown>) => JSON.stringify(o) + '\n';
  const refuse = (needs: string, hint: string) => new LatheError('INVALID_ARGUMENTS', `Example ${source} is a ${EXAMPLE_KIND_LABEL[content.kind]}; ${objective.toUpperCase()} needs ${needs}.`, hint);
  if (objective === 'cpt') return [line({ text: content.kind === 'text' ? content.text : exampleText(content) })];
  if (objective === 'sft') {
    if (content.kind !== 'chat') throw refuse('conversations', content.kind === 'text' ? 'Choose the continued pre-training objective for document datasets.' : 'Choose DPO, ORPO or SimPO for preference pairs and KTO for labelled answers.');
    return [line({ messages: content.messages.map(trainerTurn), ...withTools(content) })];
  }
  if (PAIRWISE.has(objective)) {
    if (content.kind !== 'preference') throw refuse('preference pairs (a prompt with a chosen and a rejected answer)', content.kind === 'kto' ? 'Choose KTO for answers labelled desirable/undesirable.' : 'Make a preference version first (import pairs, or build one from A/B judgements and corrections).');
    return [line({ prompt: content.prompt.map(trainerTurn), chosen: content.chosen.map(trainerTurn), rejected: content.rejected.map(trainerTurn), ...withTools(content) })];
  }
  if (content.kind === 'kto') return [line({ messages: content.messages.map(trainerTurn), label: content.label, ...withTools(content) })];
  if (content.kind === 'preference') {
    const prompt = content.prompt.map(trainerTurn);
    return [
      line({ messages: [...prompt, ...content.chosen.map(trainerTurn)], label: true, ...withTools(content) }),
      line({ messages: [...prompt, ...content.rejected.map(trainerTurn)], label: false, ...withTools(content) }),
    ];
  }
  throw refuse('answers labelled desirable or undesirable, or preference pairs', 'Import KTO data (a label per answer) or preference pairs.');
}

/**
 * The trainer's run.json for a start request (see resources/trainer/README.md). Options the trainer added
 * later (precision, gradient checkpointing, packing, devices) are written only when they differ from the
 * trainer's default, so a run.json stays readable and an older trainer is not handed keys it would refuse.
 */
/** A run spread over a cluster's machines: its nodes, and GPUs per node (0: the run's own `devices`, CPU processes). */
export interface NodeLayout { nodes: number; gpusPerNode: number }

export function trainerConfig(
  args: StartRunArgs,
  outputDir: string,
  data: { train: string; validation: string | null },
  recipe: Array<{ path: string; ratio: number; kind: 'chat' | 'text' }> | null = null,
  layout: NodeLayout | null = null,
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
  // On a Slurm target the job's GPUs are Slurm's to pick (CUDA_VISIBLE_DEVICES): a count per node, not indices.
  if (layout?.gpusPerNode) config.devices = layout.gpusPerNode;
  if (layout && layout.nodes > 1) config.nodes = layout.nodes;
  if (args.sharding !== 'ddp') config.sharding = args.sharding;
  if (args.keepCheckpoints !== 3) config.keep_checkpoints = args.keepCheckpoints;
  // Four heartbeats fit in the hang timeout, so a short one (a test's, an impatient user's) never takes a slow
  // set-up phase for a hang; the trainer's default of 10 s stays for the usual minutes-long timeouts.
  const beat = Math.min(10, (args.hangTimeoutS ?? 300) / 4);
  if (beat < 10) config.heartbeat_seconds = beat;
  const preference = preferenceBlock(args);
  if (preference) config.preference = preference;
  const checked = trainerConfigSchema.safeParse(config); // the one schema both sides share (trainer-config.ts)
  if (!checked.success) {
    throw new LatheError('INTERNAL', `The run.json Lathe built does not match the trainer's schema: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`, 'This is a bug in Lathe; report it with the run settings.');
  }
  return config;
}

/** run.json's `preference` block (snake_case, only the keys set), or null; a preference run cannot mix a recipe. */
function preferenceBlock(args: StartRunArgs): Record<string, unknown> | null {
  const isPreference = (PREFERENCE_OBJECTIVES as readonly string[]).includes(args.objective);
  if (isPreference && args.recipe) throw new LatheError('INVALID_ARGUMENTS', `A ${args.objective.toUpperCase()} run trains on one preference dataset version; data recipes mix SFT or CPT data.`, 'Remove the recipe, or choose SFT/CPT.');
  if (isPreference && args.packing) throw new LatheError('INVALID_ARGUMENTS', `${args.objective.toUpperCase()} compares whole answers, so its examples are never packed together.`, 'Turn packing off for a preference run.');
  if (isPreference && args.method === 'full' && args.preference?.reference === 'adapter_disabled') throw new LatheError('INVALID_ARGUMENTS', 'Full fine-tuning has no adapter to switch off for the reference model.', 'Use reference "precomputed" (the default for full fine-tuning).');
  if (!isPreference || !args.preference) return null;
  const p = args.preference;
  const block = { beta: p.beta, simpo_gamma: p.simpoGamma, desirable_weight: p.desirableWeight, undesirable_weight: p.undesirableWeight, reference: p.reference };
  const set = Object.fromEntries(Object.entries(block).filter(([, v]) => v !== undefined));
  return Object.keys(set).length ? set : null;
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
