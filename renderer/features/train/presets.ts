import type { StartRunArgs } from '../../../src/shared/contract/index.js';

export type PresetId = 'quick' | 'balanced' | 'thorough';

/** The settings a preset fills; everything else stays as the user left it. */
export type PresetValues = Pick<StartRunArgs, 'maxSteps' | 'lr' | 'loraRank' | 'maxSeqLen' | 'microBatchSize' | 'gradAccum' | 'checkpointEvery' | 'evalEvery'>;

export const presets: Record<PresetId, { label: string; blurb: string; values: PresetValues }> = {
  quick: {
    label: 'Quick',
    blurb: 'A smoke test: does the recipe learn at all?',
    values: { maxSteps: 60, lr: 2e-4, loraRank: 8, maxSeqLen: 512, microBatchSize: 2, gradAccum: 4, checkpointEvery: 20, evalEvery: 20 },
  },
  balanced: {
    label: 'Balanced',
    blurb: 'A first real adapter on a few thousand examples.',
    values: { maxSteps: 500, lr: 1e-4, loraRank: 16, maxSeqLen: 1024, microBatchSize: 4, gradAccum: 4, checkpointEvery: 100, evalEvery: 50 },
  },
  thorough: {
    label: 'Thorough',
    blurb: 'Longer context, higher rank, more steps: for the release candidate.',
    values: { maxSteps: 2000, lr: 5e-5, loraRank: 32, maxSeqLen: 2048, microBatchSize: 4, gradAccum: 8, checkpointEvery: 250, evalEvery: 100 },
  },
};

export type TrainForm = Omit<StartRunArgs, 'name'> & { name: string };

export const defaultForm: TrainForm = {
  name: '',
  baseModelDir: '',
  datasetVersionId: '',
  method: 'lora',
  objective: 'sft',
  seed: 0,
  evalAtStart: false,
  device: 'auto',
  ...presets.quick.values,
};

/** The preset whose values the form still matches, if any (editing a field by hand makes it "Custom"). */
export function matchingPreset(form: TrainForm): PresetId | null {
  for (const [id, p] of Object.entries(presets) as Array<[PresetId, (typeof presets)[PresetId]]>) {
    if ((Object.keys(p.values) as Array<keyof PresetValues>).every((k) => form[k] === p.values[k])) return id;
  }
  return null;
}

/** Numeric fields of the Advanced section, in the order shown. */
export const numberFields: Array<{ key: keyof PresetValues | 'seed'; label: string; hint: string; float?: boolean }> = [
  { key: 'maxSteps', label: 'Steps', hint: 'Optimizer steps to train for.' },
  { key: 'lr', label: 'Learning rate', hint: 'Peak rate. The tiny demo model learns visibly at 1e-2.', float: true },
  { key: 'loraRank', label: 'LoRA rank', hint: 'Adapter size; ignored by full fine-tuning.' },
  { key: 'maxSeqLen', label: 'Max sequence length', hint: 'Longer examples are truncated, in tokens.' },
  { key: 'microBatchSize', label: 'Micro batch', hint: 'Examples per forward pass; lower it if memory runs out.' },
  { key: 'gradAccum', label: 'Gradient accumulation', hint: 'Micro batches per optimizer step.' },
  { key: 'checkpointEvery', label: 'Checkpoint every', hint: 'Steps between checkpoints; 0 saves only on stop and at the end.' },
  { key: 'evalEvery', label: 'Validate every', hint: 'Steps between validation passes; 0 turns them off.' },
  { key: 'seed', label: 'Seed', hint: 'Same seed, same data, same settings: the same run.' },
];
