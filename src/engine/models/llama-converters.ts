import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { resourcesDir } from '../paths.js';
import { findPythonEnv, pythonSetupHint } from '../training/python-env.js';
import { CUSTOM_CODE_HINT, refuseCustomCode } from './hf-folder.js';
import { llamaSource } from './llama-source.js';
import { ensureLlamaTools } from './llama-tools.js';

/**
 * llama.cpp's own converters and quantizer, from the source node-llama-cpp was built from, so every GGUF Lathe
 * writes is one that exact runtime loads. Python converters run with the trainer's Python and
 * PYTHONPATH=<clone>/gguf-py (converter and gguf-py always one version). Each call is cancellable (SIGTERM) and
 * reports progress parsed from the tools' own output; a partial output file is deleted on failure.
 *
 * The converters call `AutoTokenizer.from_pretrained(..., trust_remote_code=True)` for several architectures, which
 * would import Python shipped in the model folder. So a folder carrying code (auto_map, *.py) is refused before the
 * converter starts, and the converter itself runs under `python -m lathe_trainer.no_remote_code`, which disables
 * transformers' dynamic-module loading in that process (for a folder changed after this check).
 */
export interface ConvertOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number | null, message: string) => void;
  dataDir?: string;
  /** general.name in the GGUF (what llama.cpp, Ollama and LM Studio show); the converter's guess otherwise. */
  modelName?: string | undefined;
}

export type ConverterOuttype = 'f16' | 'bf16' | 'q8_0' | 'f32';
export const K_QUANTS = ['Q4_K_M', 'Q5_K_M', 'Q6_K'] as const;

export async function convertHfToGguf(hfDir: string, outFile: string, outtype: ConverterOuttype, opts: ConvertOptions = {}): Promise<void> {
  refuseCustomCode(hfDir, 'Nothing was converted.');
  const src = llamaSource();
  await runTool(findPythonEnv(opts.dataDir).python, guarded([hfDir], `${src.dir}/convert_hf_to_gguf.py`, [hfDir, '--outfile', outFile, '--outtype', outtype, ...(opts.modelName ? ['--model-name', opts.modelName] : [])]), outFile, 'convert_hf_to_gguf.py', {
    ...opts, cwd: src.dir, env: converterEnv(src.dir),
  });
}

export async function convertLoraToGguf(adapterDir: string, baseHfDir: string, outFile: string, outtype: ConverterOuttype, opts: ConvertOptions = {}): Promise<void> {
  refuseCustomCode(adapterDir, 'Nothing was converted.');
  refuseCustomCode(baseHfDir, 'Nothing was converted.');
  const src = llamaSource();
  await runTool(findPythonEnv(opts.dataDir).python, guarded([adapterDir, baseHfDir], `${src.dir}/convert_lora_to_gguf.py`, [adapterDir, '--base', baseHfDir, '--outfile', outFile, '--outtype', outtype]), outFile, 'convert_lora_to_gguf.py', {
    ...opts, cwd: src.dir, env: converterEnv(src.dir),
  });
}

/** `python -m lathe_trainer.no_remote_code --check DIR… -- SCRIPT ARGS…`: the script as __main__, with model code disabled. */
function guarded(checkDirs: string[], script: string, args: string[]): string[] {
  return ['-m', 'lathe_trainer.no_remote_code', ...checkDirs.flatMap((d) => ['--check', d]), '--', script, ...args];
}

/** k-quants need llama-quantize, built once from the same source (see llama-tools.ts). */
export async function quantizeGguf(inFile: string, outFile: string, type: string, opts: ConvertOptions = {}): Promise<void> {
  opts.onProgress?.(null, 'Preparing llama-quantize (built once from the bundled llama.cpp; minutes the first time)…');
  const tools = await ensureLlamaTools({ signal: opts.signal, onLog: (l) => opts.onProgress?.(null, buildProgressMessage(l)) });
  const threads = String(Math.max(1, os.availableParallelism() - 1));
  await runTool(tools.quantize, [inFile, outFile, type, threads], outFile, 'llama-quantize', opts);
}

/**
 * The one-off build of llama-quantize as its own phase: cmake prints "[ 45%] Building CXX object …", which becomes
 * "Building llama-quantize once: 45% (about 8 minutes on 2 cores)"; other lines are shown as they are.
 */
export function buildProgressMessage(line: string): string {
  const percent = /^\[\s*(\d{1,3})%\]/.exec(line.trim());
  return percent
    ? `Building llama-quantize once (not needed again): ${percent[1]}% — about 8 minutes on 2 cores`
    : `Building llama-quantize once: ${line.slice(0, 120)}`;
}

function converterEnv(dir: string): NodeJS.ProcessEnv {
  // The trainer folder for the lathe_trainer.no_remote_code guard, then the clone's own gguf-py.
  const pythonPath = [path.join(resourcesDir(), 'trainer'), path.join(dir, 'gguf-py')].join(path.delimiter);
  // LATHE_PARENT_PID: the converter stops when the engine dies (lathe_trainer/parent_watch.py, imported by the guard).
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: pythonPath, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', PYTHONUNBUFFERED: '1', LATHE_PARENT_PID: String(process.pid) };
  delete env.NO_LOCAL_GGUF;
  return env;
}

function runTool(cmd: string, args: string[], outFile: string, label: string, opts: ConvertOptions & { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  if (opts.signal?.aborted) return Promise.reject(cancelled(label));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let refused: string | null = null;
    const onData = (chunk: Buffer) => {
      // tqdm redraws with \r; llama-quantize prints "[ n/ N] tensor" lines.
      for (const line of chunk.toString('utf8').split(/[\r\n]+/)) {
        if (!line.trim()) continue;
        const refusal = /^custom_code_refused: (.+)$/.exec(line.trim());
        if (refusal) refused = refusal[1]!;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        const pct = /(\d{1,3})%\|/.exec(line);
        const step = /^\[\s*(\d+)\/\s*(\d+)\]/.exec(line);
        if (pct) opts.onProgress?.(Number(pct[1]) / 100, `${label}: ${pct[1]}%`);
        else if (step) opts.onProgress?.(Number(step[1]) / Number(step[2]), `${label}: tensor ${step[1]} of ${step[2]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new LatheError('PYTHON_MISSING', `Could not start ${label}: ${err.message}`, `${pythonSetupHint()} Then run \`lathe doctor\`.`));
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) {
        fs.rmSync(outFile, { force: true });
        return reject(cancelled(label));
      }
      if (code === 0 && fs.existsSync(outFile) && !refused) return resolve();
      fs.rmSync(outFile, { force: true });
      if (refused) return reject(new LatheError('INVALID_ARGUMENTS', refused, CUSTOM_CODE_HINT));
      const detail = tail.filter((l) => /error|exception|not supported|failed/i.test(l)).slice(-3).join(' | ') || tail.slice(-3).join(' | ');
      reject(new LatheError('INTERNAL', `${label} failed (exit ${code}): ${detail.slice(0, 600)}`,
        'The model may use an architecture this llama.cpp version cannot convert, or files are missing (config.json, tokenizer). Nothing was registered.'));
    });
  });
}

function cancelled(label: string): LatheError {
  return new LatheError('CANCELLED', `${label} was cancelled; the partial output was deleted.`, 'Start the conversion again when you are ready.');
}
