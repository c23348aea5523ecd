import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LatheError } from '../shared/contract/errors.js';
import type { InferenceProbe, LlamaBackend } from '../shared/inference-contract.js';

/**
 * Owns the llama.cpp binding and the loaded models of this process. `build: 'never'` makes a missing
 * prebuilt binary fail fast instead of starting a long source build on the user's machine.
 */
export class LlamaRuntime {
  private llama: Promise<Llama> | null = null;
  private readonly models = new Map<string, Promise<LlamaModel>>();

  async get(): Promise<Llama> {
    this.llama ??= getLlama({
      build: 'never',
      gpu: (process.env.LATHE_LLAMA_GPU as 'cuda' | 'vulkan' | 'metal' | undefined) ?? 'auto',
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
    return {
      backend,
      gpuNames,
      vramBytes: vram,
      cpuThreads: llama.cpuMathCores,
      nodeLlamaCppVersion: nodeLlamaCppVersion(),
    };
  }

  async model(modelPath: string): Promise<LlamaModel> {
    let loading = this.models.get(modelPath);
    if (!loading) {
      if (!fs.existsSync(modelPath)) {
        throw new LatheError(
          'MODEL_MISSING',
          `The model file ${modelPath} does not exist.`,
          'Check the path, or re-register the model on the Models page.',
        );
      }
      loading = this.get().then((llama) => llama.loadModel({ modelPath }));
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
        'Make sure the file is a complete GGUF model; re-export or re-download it from your own store.',
      );
    }
  }

  async unloadAll(): Promise<number> {
    const loaded = [...this.models.values()];
    this.models.clear();
    for (const m of loaded) await (await m.catch(() => null))?.dispose();
    return loaded.length;
  }

  async dispose(): Promise<void> {
    await this.unloadAll();
    const llama = await this.llama?.catch(() => null);
    await llama?.dispose();
    this.llama = null;
  }
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
