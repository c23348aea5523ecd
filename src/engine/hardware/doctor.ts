import type { DoctorCheck, DoctorReport, GpuInfo } from '../../shared/contract/index.js';
import { toErrorData } from '../../shared/contract/errors.js';
import type { InferenceProbe } from '../../shared/inference-contract.js';
import { runTrainerCommand } from '../training/trainer-command.js';
import { findPythonEnv, pythonSetupHint } from '../training/python-env.js';
import { bundleChecks } from './bundle-checks.js';
import { formatBytes, freeDiskBytes, writeProbe } from './disk.js';

const GIB = 1024 ** 3;

export interface DoctorInputs {
  dataDir: string;
  dbProblem: string | null;
  /** Asks the inference host which llama.cpp backend it loaded. */
  probeInference: () => Promise<InferenceProbe>;
}

interface PythonFacts {
  python: string;
  torch: string | null;
  cudaAvailable: boolean;
  cudaVersion: string | null;
  gpus: GpuInfo[];
  packages: Record<string, string | null> | null;
}

/** Everything `lathe doctor` and the status bar show, each check with a fix-it hint. */
export async function runDoctor(inputs: DoctorInputs): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const [pythonResult, llamaResult] = await Promise.allSettled([probePython(inputs.dataDir), inputs.probeInference()]);

  let torch: string | null = null;
  let gpus: GpuInfo[] = [];
  let packages: Record<string, string | null> | null = null;
  if (pythonResult.status === 'fulfilled') {
    const facts = pythonResult.value;
    torch = facts.torch;
    gpus = facts.gpus;
    packages = facts.packages;
    checks.push({ id: 'python', label: 'Python (trainer)', status: 'ok', value: facts.python, hint: '' });
    checks.push(
      facts.torch
        ? { id: 'torch', label: 'PyTorch', status: 'ok', value: `${facts.torch}${facts.cudaVersion ? ` (CUDA ${facts.cudaVersion})` : ''}`, hint: '' }
        : { id: 'torch', label: 'PyTorch', status: 'fail', value: 'not installed', hint: pythonSetupHint() },
    );
  } else {
    const err = toErrorData(pythonResult.reason);
    checks.push({ id: 'python', label: 'Python (trainer)', status: 'fail', value: err.message, hint: err.hint });
    checks.push({ id: 'torch', label: 'PyTorch', status: 'fail', value: 'unknown (no Python)', hint: err.hint });
  }

  const vram = gpus.reduce((sum, g) => sum + g.vramBytes, 0);
  checks.push(
    gpus.length
      ? { id: 'gpu', label: 'GPUs', status: 'ok', value: gpus.map((g) => `${g.name} (${formatBytes(g.vramBytes)})`).join(', '), hint: '' }
      : {
          id: 'gpu',
          label: 'GPUs',
          status: 'warn',
          value: 'none found — CPU only',
          hint: 'Training real models needs an NVIDIA GPU with CUDA drivers (or run the engine on your GPU server with `lathe serve`). Tiny models train on CPU.',
        },
  );

  let backend = 'unknown';
  if (llamaResult.status === 'fulfilled') {
    const p = llamaResult.value;
    backend = p.backend === 'cpu' ? 'CPU' : p.backend.toUpperCase();
    const hint = p.backend === 'cpu' && gpus.length ? 'A GPU is present but llama.cpp runs on CPU: install the GPU driver/runtime, then restart Lathe.' : '';
    checks.push({ id: 'llama-backend', label: 'llama.cpp backend', status: hint ? 'warn' : 'ok', value: `${backend} · node-llama-cpp ${p.nodeLlamaCppVersion} · ${p.cpuThreads} threads`, hint });
  } else {
    const err = toErrorData(llamaResult.reason);
    checks.push({ id: 'llama-backend', label: 'llama.cpp backend', status: 'fail', value: err.message, hint: err.hint });
  }

  const free = freeDiskBytes(inputs.dataDir);
  checks.push({
    id: 'disk',
    label: 'Free disk',
    status: free === null ? 'warn' : free < 2 * GIB ? 'fail' : free < 20 * GIB ? 'warn' : 'ok',
    value: formatBytes(free),
    hint: free !== null && free < 20 * GIB ? 'Checkpoints and exports need tens of GB: free space or choose another --data-dir.' : '',
  });
  const writable = writeProbe(inputs.dataDir);
  checks.push({
    id: 'data-dir',
    label: 'Data folder',
    status: writable === 'ok' ? 'ok' : 'fail',
    value: inputs.dataDir,
    hint: writable === 'ok' ? ''
      : writable === 'full' ? `The disk holding it is full (${formatBytes(free)} free): free space there or start with --data-dir pointing elsewhere.`
      : 'Lathe cannot write here: fix its permissions or start with --data-dir pointing elsewhere.',
  });
  checks.push({
    id: 'database',
    label: 'Database',
    status: inputs.dbProblem ? 'fail' : 'ok',
    value: inputs.dbProblem ?? 'integrity check passed',
    hint: inputs.dbProblem ? 'Restore lathe.db from a backup, or move it aside to start a fresh library.' : '',
  });

  checks.push(...bundleChecks(process.env, packages, gpus.length));

  return {
    checkedAt: new Date().toISOString(),
    checks,
    summary: {
      device: gpus.length ? gpus.map((g) => g.name).join(' + ') : 'CPU',
      vramBytes: gpus.length ? vram : null,
      llamaBackend: backend,
      torch,
      freeDiskBytes: free,
    },
  };
}

async function probePython(dataDir: string): Promise<PythonFacts> {
  findPythonEnv(dataDir); // throws PYTHON_MISSING with its hint before spawning anything
  const done = await runTrainerCommand(['doctor'], { dataDir });
  const gpus = Array.isArray(done.gpus) ? (done.gpus as Array<Record<string, unknown>>) : [];
  return {
    python: String(done.python ?? 'unknown'),
    torch: typeof done.torch === 'string' ? done.torch : null,
    cudaAvailable: Boolean(done.cuda_available),
    cudaVersion: typeof done.cuda_version === 'string' ? done.cuda_version : null,
    packages: done.packages && typeof done.packages === 'object' ? (done.packages as Record<string, string | null>) : null,
    gpus: gpus.map((g) => ({
      name: String(g.name ?? 'GPU'),
      vramBytes: Number(g.vram_bytes ?? 0),
      kind: g.kind === 'rocm' || g.kind === 'mps' ? g.kind : 'cuda',
    })),
  };
}

/** Plain-text rendering for the CLI. */
export function formatDoctor(report: DoctorReport): string {
  const icon = { ok: '✓', warn: '!', fail: '✗' } as const;
  const lines = report.checks.map((c) => {
    const head = `${icon[c.status]} ${c.label.padEnd(18)} ${c.value}`;
    return c.hint ? `${head}\n    → ${c.hint}` : head;
  });
  return lines.join('\n');
}
