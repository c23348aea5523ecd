import { getLlama, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { LatheError } from '../shared/contract/errors.js';
import type { AdapterRef, InferenceProbe, LlamaBackend } from '../shared/inference-contract.js';
import { chooseContextSize, memoryBudgetBytes } from './memory-plan.js';

/** A model with one set of LoRA adapters on one context: what a generation runs on. */
export interface Slot {
  key: string;
  modelPath: string;
  adapters: Array<{ path: string; scale: number }>;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  bytes: number;
  lastUsed: number;
  /** Generations on one sequence run one at a time. */
  queue: Promise<unknown>;
  busy: number;
}

/**
 * Owns the llama.cpp binding and the resident model set of this process. Models stay loaded between answers
 * (and their KV cache with them, so a follow-up turn only evaluates the new tokens) until the memory budget
 * needs room; then the least recently used idle slot goes. `build: 'never'` makes a missing prebuilt binary
 * fail fast instead of starting a long source build on the user's machine.
 */
export class LlamaRuntime {
  private llama: Promise<Llama> | null = null;
  private readonly models = new Map<string, Promise<LlamaModel>>();
  private readonly slots = new Map<string, Promise<Slot>>();
  private readonly ready = new Map<string, Slot>();
  readonly budgetBytes = memoryBudgetBytes();

  async get(): Promise<Llama> {
    this.llama ??= getLlama({
      build: 'never',
      // LATHE_LLAMA_GPU=cpu forces the CPU backend (the benchmark compares against a CPU llama-bench).
      gpu: process.env.LATHE_LLAMA_GPU === 'cpu' ? false : ((process.env.LATHE_LLAMA_GPU as 'cuda' | 'vulkan' | 'metal' | undefined) ?? 'auto'),
      logLevel: 'error' as never,
      progressLogs: false,
    }).catch((err: Error) => {
      this.llama = null;
      throw new LatheError(
        'INFERENCE_FAILED',
        `llama.cpp could not start: ${err.message}`,
        'Reinstall with `npm install` so node-llama-cpp brings its prebuilt binaries; run `lathe doctor`.',
      );
    });
    return this.llama;
  }

  async probe(): Promise<InferenceProbe> {
    const llama = await this.get();
    const backend: LlamaBackend = llama.gpu === false ? 'cpu' : llama.gpu;
    const gpuNames = backend === 'cpu' ? [] : await llama.getGpuDeviceNames();
    const vram = backend === 'cpu' ? null : (await llama.getVramState()).total;
    return { backend, gpuNames, vramBytes: vram, cpuThreads: llama.cpuMathCores, nodeLlamaCppVersion: nodeLlamaCppVersion() };
  }

  /** Loads (or reuses) the model file; GPU layers 'auto' lets llama.cpp offload what fits in free VRAM. */
  async model(modelPath: string): Promise<LlamaModel> {
    let loading = this.models.get(modelPath);
    if (!loading) {
      mustExist(modelPath, 'model');
      loading = this.get().then((llama) => llama.loadModel({ modelPath, gpuLayers: 'auto' }));
      loading.catch(() => this.models.delete(modelPath));
      this.models.set(modelPath, loading);
    }
    try {
      return await loading;
    } catch (err) {
      if (err instanceof LatheError) throw err;
      throw new LatheError(
        'INFERENCE_FAILED',
        `llama.cpp could not load ${modelPath}: ${(err as Error).message}`,
        'Make sure the file is a complete GGUF model; re-export it or import it again on the Models page.',
      );
    }
  }

  /** Runs `fn` on the slot for this model + adapters, loading it (and evicting others) when needed. */
  async withSlot<T>(modelPath: string, adapterRefs: AdapterRef[], options: { contextSize?: number; threads?: number }, fn: (slot: Slot) => Promise<T>): Promise<T> {
    const adapters = adapterRefs.map((a) => ({ path: a.path, scale: a.scale ?? 1 }));
    const key = JSON.stringify([modelPath, adapters, options.contextSize ?? null, options.threads ?? null]);
    let pending = this.slots.get(key);
    if (!pending) {
      pending = this.openSlot(key, modelPath, adapters, options);
      pending.catch(() => this.slots.delete(key));
      this.slots.set(key, pending);
    }
    const slot = await pending;
    slot.busy += 1;
    slot.lastUsed = Date.now();
    const run = slot.queue.then(() => fn(slot));
    slot.queue = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      slot.busy -= 1;
      slot.lastUsed = Date.now();
    }
  }

  private async openSlot(key: string, modelPath: string, adapters: Slot['adapters'], options: { contextSize?: number; threads?: number }): Promise<Slot> {
    for (const a of adapters) mustExist(a.path, 'adapter');
    const model = await this.model(modelPath);
    const plan = await chooseContextSize(model, options.contextSize);
    await this.makeRoom(plan.bytes + modelBytes(modelPath), key, modelPath);
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize: plan.contextSize,
        // {ideal, min}: node-llama-cpp otherwise treats the count as a hint and may run a batch on fewer threads
        // (measured here: pp128 on an 85M F16 model went from ~80 to ~160 tokens/s with min set).
        threads: { ideal: options.threads ?? inferenceThreads(), min: options.threads ?? inferenceThreads() },
        ...(adapters.length ? { lora: { adapters: adapters.map((a) => ({ filePath: a.path, scale: a.scale })) } } : {}),
      });
    } catch (err) {
      throw new LatheError(
        'INFERENCE_FAILED',
        `llama.cpp could not prepare ${path.basename(modelPath)}${adapters.length ? ' with its adapter' : ''}: ${(err as Error).message}`,
        adapters.length ? 'Check that the adapter was converted from a LoRA trained on this base model.' : 'Free memory (close other models) or choose a smaller context size.',
      );
    }
    const slot: Slot = { key, modelPath, adapters, model, context, sequence: context.getSequence(), bytes: plan.bytes, lastUsed: Date.now(), queue: Promise.resolve(), busy: 0 };
    this.ready.set(key, slot);
    return slot;
  }

  /** Unloads least recently used idle slots (and models no slot uses) until `needed` bytes fit the budget. */
  private async makeRoom(needed: number, keep: string, keepModel: string): Promise<void> {
    const idle = [...this.ready.values()].filter((s) => s.busy === 0 && s.key !== keep).sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.usedBytes() + needed > this.budgetBytes && idle.length) await this.closeSlot(idle.shift()!, keepModel);
  }

  /** Frees a slot's context, and its model when no other slot (nor the one being opened) uses it. */
  private async closeSlot(slot: Slot, keepModel?: string): Promise<void> {
    this.ready.delete(slot.key);
    this.slots.delete(slot.key);
    await slot.context.dispose();
    if (slot.modelPath !== keepModel && ![...this.ready.values()].some((s) => s.modelPath === slot.modelPath)) {
      this.models.delete(slot.modelPath);
      await slot.model.dispose();
    }
  }

  usedBytes(): number {
    const paths = new Set<string>();
    let total = 0;
    for (const s of this.ready.values()) {
      total += s.bytes;
      if (!paths.has(s.modelPath)) total += modelBytes(s.modelPath);
      paths.add(s.modelPath);
    }
    return total;
  }

  status() {
    return {
      budgetBytes: this.budgetBytes,
      usedBytes: this.usedBytes(),
      models: [...this.ready.values()].map((s) => ({
        modelPath: s.modelPath,
        adapters: s.adapters.map((a) => a.path),
        bytes: s.bytes + modelBytes(s.modelPath),
        gpuLayers: s.model.gpuLayers,
        contextSize: s.context.contextSize,
        lastUsed: s.lastUsed,
      })),
    };
  }

  async unloadAll(): Promise<number> {
    const count = new Set([...this.models.keys()]).size;
    for (const s of [...this.ready.values()]) await this.closeSlot(s).catch(() => undefined);
    for (const m of [...this.models.values()]) await (await m.catch(() => null))?.dispose();
    this.models.clear();
    this.slots.clear();
    return count;
  }

  async dispose(): Promise<void> {
    await this.unloadAll();
    const llama = await this.llama?.catch(() => null);
    await llama?.dispose();
    this.llama = null;
  }
}

function mustExist(file: string, what: 'model' | 'adapter'): void {
  if (fs.existsSync(file)) return;
  throw new LatheError(
    'MODEL_MISSING',
    `The ${what} file ${file} does not exist.`,
    'Check the path, or re-register it on the Models page.',
  );
}

function modelBytes(modelPath: string): number {
  try {
    return fs.statSync(modelPath).size;
  } catch {
    return 0;
  }
}

/**
 * llama.cpp's worker threads spin while they wait, so using every core makes generation collapse as soon as
 * anything else runs (measured here on 2 cores with other work: 35 ms with 1 thread vs 5.5 s with 2).
 * Leave one core free; LATHE_LLAMA_THREADS overrides.
 */
export function inferenceThreads(): number {
  const forced = Number(process.env.LATHE_LLAMA_THREADS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return Math.max(1, os.availableParallelism() - 1);
}

function nodeLlamaCppVersion(): string {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
    for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'node-llama-cpp') return pkg.version ?? 'unknown';
    }
  } catch {
    // fall through
  }
  return 'unknown';
}
