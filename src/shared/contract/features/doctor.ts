import { z } from 'zod';
import { handler } from '../define.js';

export const checkStatusSchema = z.enum(['ok', 'warn', 'fail']);

export const doctorCheckSchema = z.object({
  id: z.enum(['python', 'torch', 'gpu', 'llama-backend', 'disk', 'data-dir', 'database', 'bundle', 'sbom', 'llama-tools', 'gpu-extra']),
  label: z.string(),
  status: checkStatusSchema,
  value: z.string(),
  /** What to do about it; empty when status is ok. */
  hint: z.string(),
});
export type DoctorCheck = z.infer<typeof doctorCheckSchema>;

export const gpuSchema = z.object({ name: z.string(), vramBytes: z.number(), kind: z.enum(['cuda', 'rocm', 'mps']) });
export type GpuInfo = z.infer<typeof gpuSchema>;

export const doctorReportSchema = z.object({
  checkedAt: z.string(),
  checks: z.array(doctorCheckSchema),
  /** The short facts the status bar shows. */
  summary: z.object({
    device: z.string(),
    vramBytes: z.number().nullable(),
    llamaBackend: z.string(),
    torch: z.string().nullable(),
    freeDiskBytes: z.number().nullable(),
  }),
});
export type DoctorReport = z.infer<typeof doctorReportSchema>;

/**
 * The installed app's trainer environment (`<data>/python-env`) against the wheelhouse its installer carries:
 * ready, stale (made from other wheels: an update brought new ones), missing, or no wheelhouse (a source checkout,
 * or an install that sets LATHE_PYTHON).
 */
export const trainerEnvStateSchema = z.object({
  state: z.enum(['ready', 'stale', 'missing', 'no-wheelhouse']),
  wheelhouse: z.string().nullable(),
  envDir: z.string(),
  /** The CPython versions the bundled wheels are for. */
  pythons: z.array(z.string()),
});
export type TrainerEnvState = z.infer<typeof trainerEnvStateSchema>;

export const doctorHandlers = {
  'doctor.trainerEnv': handler({
    summary: 'Whether the trainer\'s Python environment is made from the bundled wheels, and the setup job running now.',
    args: z.object({}).strict(),
    result: trainerEnvStateSchema.extend({ jobId: z.string().nullable() }),
    writes: false,
  }),
  'doctor.setupTrainerEnv': handler({
    summary: 'Makes <data>/python-env from the bundled wheelhouse (offline, hash-checked) as a job; the previous one is kept on failure.',
    args: z.object({ force: z.boolean().default(false) }).strict(),
    result: z.object({ jobId: z.string() }),
    writes: true,
  }),

  'doctor.report': handler({
    summary: 'Python, torch, GPUs and VRAM, llama.cpp backend, disk and data directory, each with a fix-it hint.',
    args: z.object({ refresh: z.boolean().default(false) }).strict(),
    result: doctorReportSchema,
    writes: false,
  }),
};
