import type { RunSummary } from '../../../src/shared/contract/index.js';
import { formatDuration } from '../../lib/format.js';
import type { MetricSeries } from './runs-store.js';

export type RunStatus = RunSummary['status'];

export const statusLabel: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  stopped: 'Stopped',
  interrupted: 'Interrupted',
};

/** The cap on points handed to a chart: recharts stays smooth well past this, and a 1000-px chart shows no more. */
export const MAX_CHART_POINTS = 2000;

/** Every n-th point, always keeping the first and the last (the newest step is the one people watch). */
export function downsample<T>(points: T[], max = MAX_CHART_POINTS): T[] {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  const out: T[] = [];
  for (let i = 0; i < points.length - 1; i += stride) out.push(points[i]!);
  out.push(points[points.length - 1]!);
  return out;
}

/** Rows for one chart: one per step, a column per series; a series without a value at a step leaves a gap. */
export function chartRows<K extends string>(series: MetricSeries, keys: K[]): Array<{ step: number } & Partial<Record<K, number>>> {
  const rows = new Map<number, { step: number } & Partial<Record<K, number>>>();
  for (const key of keys) {
    for (const [step, value] of downsample(series[key] ?? [])) {
      const row = rows.get(step) ?? ({ step } as { step: number } & Partial<Record<K, number>>);
      (row as Record<string, number>)[key] = value;
      rows.set(step, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

export function maxSteps(run: RunSummary): number | null {
  const v = run.config['max_steps'];
  return typeof v === 'number' ? v : null;
}

export function formatLoss(v: number | undefined | null): string {
  return v === undefined || v === null ? '—' : v.toFixed(v < 10 ? 4 : 2);
}

/** The trainer config (snake_case, nested) in the order a person reads a recipe; anything else follows alphabetically. */
const CONFIG_LABELS: Record<string, string> = {
  base_model: 'Base model',
  method: 'Method',
  objective: 'Objective',
  max_steps: 'Steps',
  lr: 'Learning rate',
  schedule: 'Schedule',
  warmup_steps: 'Warm-up steps',
  'lora.rank': 'LoRA rank',
  'lora.alpha': 'LoRA alpha',
  'lora.dropout': 'LoRA dropout',
  'lora.target_modules': 'LoRA targets',
  max_seq_len: 'Max sequence length',
  micro_batch_size: 'Micro batch',
  grad_accum: 'Gradient accumulation',
  seed: 'Seed',
  checkpoint_every: 'Checkpoint every',
  eval_every: 'Validate every',
  eval_at_start: 'Validate before start',
  device: 'Device',
  devices: 'GPUs',
  precision: 'Precision',
  gradient_checkpointing: 'Gradient checkpointing',
  packing: 'Packing',
  'data.train': 'Training data',
  'data.validation': 'Validation data',
  output_dir: 'Output folder',
};
const ORDER = Object.keys(CONFIG_LABELS);

export function configEntries(config: Record<string, unknown>): Array<{ key: string; label: string; value: string }> {
  const flat: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(config)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) flat.push([`${key}.${k}`, v]);
    else flat.push([key, value]);
  }
  flat.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return flat.map(([key, value]) => ({ key, label: CONFIG_LABELS[key] ?? key, value: formatValue(value) }));
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i === -1 ? ORDER.length : i;
}

const NAMES: Record<string, string> = { lora: 'LoRA', qlora: 'QLoRA', full: 'Full', sft: 'SFT', cpt: 'CPT', auto: 'Auto', cpu: 'CPU', cuda: 'CUDA' };

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return NAMES[v] ?? v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(formatValue).join(', ');
  return JSON.stringify(v);
}

/**
 * How long the run's trainer ran against the estimate it was queued with (issue 19: every job shows its time, and the
 * estimate its error): "Took 3 min 32 s · estimated 13 min" once it completed, "Ran … so far" while it can still go
 * on. Null before a trainer process has ended.
 */
export function timingText(run: Pick<RunSummary, 'status' | 'timing'>): string | null {
  const { ranSeconds, estimatedSeconds } = run.timing;
  if (ranSeconds === null || run.status === 'running' || run.status === 'queued') return null;
  const ran = formatDuration(ranSeconds * 1000);
  const took = run.status === 'completed' ? `Took ${ran}` : `Ran ${ran} so far`;
  return estimatedSeconds === null ? took : `${took} · estimated ${formatDuration(estimatedSeconds * 1000)}`;
}

/** What a run on a compute target is doing there, from its newest event about the target (staged, queued, running…). */
const TARGET_EVENTS = new Set(['staged', 'launched', 'scheduler', 'connection_lost', 'reattached', 'fetched']);
export function targetState(run: Pick<RunSummary, 'target' | 'status' | 'events'>): string | null {
  if (!run.target || run.status !== 'running') return null;
  const last = run.events.findLast((e) => TARGET_EVENTS.has(e.kind));
  return last?.message ?? `Copying the model and data to ${run.target}…`;
}
