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

export const doctorHandlers = {
  'doctor.report': handler({
    summary: 'Python, torch, GPUs and VRAM, llama.cpp backend, disk and data directory, each with a fix-it hint.',
    args: z.object({ refresh: z.boolean().default(false) }).strict(),
    result: doctorReportSchema,
    writes: false,
  }),
};
