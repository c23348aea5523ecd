import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { RunEstimate, StartRunArgs } from '../../shared/contract/features/runs.js';
import { formatBytes, freeDiskBytes } from '../hardware/disk.js';
import { diskBudget, flopsPerToken, largestParametersThatFit, memoryBreakdown, shapeFromHfConfig, type EstimateSettings, type Precision } from '../../shared/training/memory-estimate.js';
import { runQueries } from '../db/queries/runs.js';
import { expandHome } from '../paths.js';
import type { TrainingHardware } from './training-hardware.js';

export type EstimateInput = Omit<EstimateSettings, 'precision'> & { baseModelDir: string; precision: Precision | 'auto'; device: 'auto' | 'cpu' | 'cuda'; checkpointEvery: number; keepCheckpoints: number; objective?: string };

/** Sustained share of peak FLOP/s a LoRA step reaches (H100-class measurements put bf16 LoRA at 30–45 %). */
const GPU_MFU = 0.35;
/** bf16 dense peak by GPU family, FLOP/s; unknown GPUs count as 100 TFLOP/s. */
const GPU_PEAKS: Array<[RegExp, number]> = [[/H200|H100/i, 790e12], [/A100/i, 312e12], [/L40|4090/i, 165e12], [/A10|3090/i, 70e12]];
/** A CPU core sustains ~10 GFLOP/s in fp32 training kernels; small models run far below that (overheads). */
const CPU_FLOPS_PER_CORE = 10e9;

/**
 * Memory and time for a run before it starts: the model's shape from its config.json, the method's memory rule
 * (src/shared/training/memory-estimate.ts), the detected hardware, and — when this model already trained on
 * this kind of device — the median tokens/s measured by earlier runs rather than a FLOPs guess.
 */
export function estimateRun(db: Database.Database | null, input: EstimateInput, hw: TrainingHardware, dataDir: string | null = null): RunEstimate {
  const configPath = path.join(input.baseModelDir, 'config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new LatheError('NOT_FOUND', missing ? `There is no config.json in ${input.baseModelDir}.` : `${configPath} is not valid JSON.`, 'Choose a Hugging Face model folder (config.json, tokenizer and *.safetensors).');
  }
  let shape;
  try {
    shape = shapeFromHfConfig(config);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `${configPath}: ${(err as Error).message}.`, 'Lathe estimates decoder-only (Llama/Qwen/Mistral-style) models.');
  }
  const gpu = input.device === 'cpu' ? null : hw.gpus[0] ?? null;
  const kind = gpu ? 'cuda' : 'cpu';
  const precision: Precision = input.precision !== 'auto' ? input.precision : kind === 'cuda' ? 'bf16' : 'fp32';
  // DPO, ORPO and SimPO run the chosen and the rejected answer of each example; a reference pass adds no saved activations.
  const sequencesPerExample = input.objective === 'dpo' || input.objective === 'orpo' || input.objective === 'simpo' ? 2 : 1;
  const b = memoryBreakdown(shape, { ...input, precision, sequencesPerExample }, kind);
  const memoryBytes = gpu ? gpu.vramBytes : hw.ramTotalBytes;
  const notes: string[] = [];
  if (input.method === 'qlora' && kind === 'cpu') notes.push('QLoRA needs a CUDA GPU; on this machine the trainer refuses it.');
  if (input.device === 'cuda' && !gpu) notes.push('No CUDA GPU was detected; the run would fail at start.');

  const tokensPerStep = input.maxSeqLen * input.microBatchSize * input.gradAccum * sequencesPerExample;
  const measured = db ? measuredTokensPerSecond(db, path.resolve(input.baseModelDir), kind) : null;
  let tokensPerSecond: number;
  if (measured) {
    tokensPerSecond = measured;
    notes.push(`Speed from earlier runs of this model on ${kind === 'cuda' ? 'the GPU' : 'the CPU'} (median ${Math.round(measured)} tokens/s).`);
  } else {
    const peak = gpu ? (GPU_PEAKS.find(([re]) => re.test(gpu.name))?.[1] ?? 100e12) * GPU_MFU : CPU_FLOPS_PER_CORE * Math.max(1, hw.cpuCount - 1);
    tokensPerSecond = peak / flopsPerToken(b.parameters, input.method, input.gradientCheckpointing);
    notes.push('Speed is a FLOPs-based guess (no earlier run of this model on this device); real data is often shorter than the sequence length, so the time is an upper bound.');
  }
  // Time = start-up (Python, torch, the model and the data loading; the output written) + the steps.
  const rawSeconds = (tokensPerStep * input.maxSteps) / tokensPerSecond;
  const calibration = db ? timeCalibration(db, path.resolve(input.baseModelDir), kind) : null;
  const device = kind === 'cuda' ? 'GPU' : 'CPU';
  const startupSeconds = calibration?.startupSeconds ?? STARTUP_GUESS_S + b.weights / WEIGHTS_LOAD_BYTES_PER_S;
  if (calibration) {
    const n = calibration.runs;
    notes.push(`Time calibrated by ${n} earlier run${n === 1 ? '' : 's'} of this model on this ${device}: start-up about ${Math.round(calibration.startupSeconds)} s, steps ${formatFactor(calibration.stepFactor)} the speed estimate.`);
  } else {
    notes.push(`Start-up (loading Python, the model and the data) is a guess of about ${Math.round(startupSeconds)} s until a run of this model on this ${device} has been measured.`);
  }
  const disk = diskBudget(b, input);
  const free = dataDir ? freeDiskBytes(path.join(dataDir, 'runs')) : null;
  if (free !== null && disk.totalBytes > free * 0.9) notes.push(`The checkpoints and output need about ${formatBytes(disk.totalBytes)} but the data folder's disk has ${formatBytes(free)} free: keep fewer checkpoints or free space.`);
  if (memoryBytes !== null && b.total > memoryBytes * 0.9 && !input.gradientCheckpointing) notes.push('Turning on gradient checkpointing trades ~30 % speed for much less activation memory.');
  return {
    parameters: b.parameters,
    trainableParameters: b.trainable,
    device: { kind, name: gpu ? gpu.name : `CPU (${hw.cpuCount} cores)`, memoryBytes },
    precision,
    bytes: { weights: b.weights, gradients: b.gradients, optimizer: b.optimizer, activations: b.activations, overhead: b.overhead, total: b.total },
    fits: memoryBytes === null ? null : b.total <= memoryBytes * 0.9,
    tokensPerSecond,
    seconds: startupSeconds + rawSeconds * (calibration?.stepFactor ?? 1),
    rawSeconds,
    startupSeconds,
    largestParametersThatFit: memoryBytes === null ? null : largestParametersThatFit(memoryBytes * 0.9, b),
    disk: { ...disk, freeBytes: free },
    notes,
  };
}

function measuredTokensPerSecond(db: Database.Database, baseModel: string, kind: 'cpu' | 'cuda'): number | null {
  const q = runQueries(db);
  const rates: number[] = [];
  for (const run of q.list()) {
    if (run.base_model !== baseModel || (run.slot ?? 'cpu').startsWith('cpu') !== (kind === 'cpu')) continue;
    const all = q.metrics(run.id).filter((m) => m.name === 'tokens_per_s');
    // The first step pays for warm-up; skip it when there are others.
    const tps = (all.length > 1 ? all.filter((m) => m.step > 1) : all).map((m) => m.value);
    if (tps.length) rates.push(median(tps));
    if (rates.length >= 5) break;
  }
  return rates.length ? median(rates) : null;
}

/** Start-up before the first measured run of a model: importing torch and transformers alone takes ~10 s. */
const STARTUP_GUESS_S = 15;
/** Loading safetensors from a local disk, bytes per second (page cache and NVMe are faster; network disks slower). */
const WEIGHTS_LOAD_BYTES_PER_S = 1e9;

/**
 * How this machine's earlier runs of this base model on this kind of device went against their estimates (the
 * latest five completed in one go): the median start-up (seconds the trainer ran minus the seconds it spent in steps, so
 * imports, loading and writing the output) and the median ratio of step time to the steps' estimate before calibration.
 */
function timeCalibration(db: Database.Database, baseModel: string, kind: 'cpu' | 'cuda'): { startupSeconds: number; stepFactor: number; runs: number } | null {
  const q = runQueries(db);
  const startups: number[] = [];
  const factors: number[] = [];
  for (const run of q.list()) {
    if (run.status !== 'completed' || run.base_model !== baseModel || (run.slot ?? 'cpu').startsWith('cpu') !== (kind === 'cpu')) continue;
    const t = q.timing(run.id);
    const trainSeconds = Number((JSON.parse(run.result ?? '{}') as { train_seconds?: unknown }).train_seconds);
    // A resumed run's last trainer reports only its own steps: its start-up cannot be told apart.
    if (t.processes !== 1 || !t.raw_estimated_seconds || !t.ran_seconds || !(trainSeconds > 0) || trainSeconds > t.ran_seconds) continue;
    startups.push(t.ran_seconds - trainSeconds);
    factors.push(trainSeconds / t.raw_estimated_seconds);
    if (factors.length >= 5) break;
  }
  return factors.length ? { startupSeconds: median(startups), stepFactor: median(factors), runs: factors.length } : null;
}

/** A step-time ratio as people read it: "2.5× as long as", "0.40× as long as", "about as long as". */
function formatFactor(f: number): string {
  return f >= 0.95 && f <= 1.05 ? 'about as long as' : `${f < 1 ? f.toFixed(2) : f.toFixed(1)}× as long as`;
}

/**
 * The estimate a run is queued with, kept as its `estimated` event so the Run page can set it beside the time the
 * run took, and later estimates can be calibrated by both. Null when the base model cannot be estimated (no
 * config.json, not a decoder): the run itself then says what is wrong.
 */
export function estimateAtStart(db: Database.Database, args: StartRunArgs, hw: TrainingHardware, dataDir: string): RunEstimate | null {
  try {
    return estimateRun(db, estimateInputOf({ ...args, baseModelDir: expandHome(args.baseModelDir) }), hw, dataDir);
  } catch {
    return null;
  }
}

/** The estimate's view of a run's settings. */
function estimateInputOf(args: StartRunArgs): EstimateInput {
  return {
    baseModelDir: args.baseModelDir, method: args.method, loraRank: args.loraRank, maxSeqLen: args.maxSeqLen, microBatchSize: args.microBatchSize,
    gradAccum: args.gradAccum, maxSteps: args.maxSteps, precision: args.precision, gradientCheckpointing: args.gradientCheckpointing,
    device: args.device, worldSize: Math.max(1, args.devices.length), sharding: args.sharding, checkpointEvery: args.checkpointEvery,
    keepCheckpoints: args.keepCheckpoints, objective: args.objective,
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
