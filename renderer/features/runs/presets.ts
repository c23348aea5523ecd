import type { StartRunArgs } from '../../../src/shared/contract/index.js';
import { presetInfo, presetValues, type PresetId, type PresetValues } from '../../../src/shared/training/presets.js';

export type { PresetId, PresetValues } from '../../../src/shared/training/presets.js';

/**
 * The preset rule lives in src/shared/training/presets.ts (tested there, shared with the CLI); the page passes
 * what it knows: the chosen version's example count and the model's parameters from the estimate.
 */
export interface PresetContext {
  trainExamples: number;
  parameters: number;
}

export const presets: Record<PresetId, { label: string; blurb: string }> = presetInfo;

export function presetFor(id: PresetId, ctx: PresetContext): { values: PresetValues; why: string[] } {
  return presetValues({ preset: id, trainExamples: ctx.trainExamples, parameters: ctx.parameters });
}

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
  precision: 'auto',
  gradientCheckpointing: false,
  attnImplementation: 'auto',
  devices: [],
  sharding: 'ddp',
  keepCheckpoints: 3,
  hangTimeoutS: 300,
  ...presetValues({ preset: 'quick', trainExamples: 0, parameters: 0 }).values,
};

/** The preset whose values the form still matches, if any (editing a field by hand makes it "Custom"). */
export function matchingPreset(form: TrainForm, ctx: PresetContext): PresetId | null {
  for (const id of Object.keys(presets) as PresetId[]) {
    const values = presetFor(id, ctx).values;
    if ((Object.keys(values) as Array<keyof PresetValues>).every((k) => form[k] === values[k])) return id;
  }
  return null;
}

/** Numeric fields of the Advanced section, in the order shown. */
export const numberFields: Array<{ key: keyof PresetValues | 'seed' | 'keepCheckpoints'; label: string; hint: string; float?: boolean }> = [
  { key: 'maxSteps', label: 'Steps', hint: 'Optimizer steps to train for.' },
  { key: 'lr', label: 'Learning rate', hint: 'Peak rate. The tiny demo model learns visibly at 1e-2.', float: true },
  { key: 'loraRank', label: 'LoRA rank', hint: 'Adapter size; ignored by full fine-tuning.' },
  { key: 'maxSeqLen', label: 'Max sequence length', hint: 'Longer examples are truncated, in tokens.' },
  { key: 'microBatchSize', label: 'Micro batch', hint: 'Examples per forward pass; lower it if memory runs out.' },
  { key: 'gradAccum', label: 'Gradient accumulation', hint: 'Micro batches per optimizer step.' },
  { key: 'checkpointEvery', label: 'Checkpoint every', hint: 'Steps between checkpoints; 0 saves only on stop and at the end.' },
  { key: 'keepCheckpoints', label: 'Keep checkpoints', hint: 'The newest N stay on disk, plus the best by validation loss; 0 keeps all.' },
  { key: 'evalEvery', label: 'Validate every', hint: 'Steps between validation passes; 0 turns them off.' },
  { key: 'seed', label: 'Seed', hint: 'Same seed, same data, same settings: the same run.' },
];
