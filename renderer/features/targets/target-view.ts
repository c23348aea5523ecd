import type { ComputeTarget } from '../../../src/shared/contract/index.js';

/** One line on a target's health: its last connection test, or that it has none yet. */
export function targetHealth(t: ComputeTarget): { tone: 'ok' | 'failed' | 'unknown'; text: string } {
  if (t.kind === 'local') return { tone: 'ok', text: 'The GPUs or CPU of the machine Lathe runs on' };
  const last = t.lastTest;
  if (!last) return { tone: 'unknown', text: 'Not tested yet' };
  if (!last.ok) return { tone: 'failed', text: `Last test failed: ${last.message}` };
  const where = last.queue ?? (last.gpus.length ? last.gpus.map((g) => g.name).join(', ') : 'no GPU (CPU only)');
  return { tone: 'ok', text: `torch ${last.torch ?? '?'} · ${where}` };
}

/** "1 running · 2 queued", or null when idle. */
export function targetLoad(t: Pick<ComputeTarget, 'running' | 'queued'> & { slurm?: ComputeTarget['slurm'] }): string | null {
  const most = t.slurm?.maxRuns ?? 1;
  const parts = [t.running ? `${t.running}${most > 1 ? ` of ${most}` : ''} running` : null, t.queued ? `${t.queued} queued` : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : null;
}

export const TARGET_KIND_LABEL: Record<ComputeTarget['kind'], string> = { local: 'This machine', ssh: 'GPU server (SSH)', slurm: 'Slurm cluster' };
