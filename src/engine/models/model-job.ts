import { randomUUID } from 'node:crypto';
import type { EngineContext } from '../context.js';

export type Report = (fraction: number | null, message: string) => void;

/**
 * Runs a long model task (hashing, conversion, export) as a cancellable job: `jobs.cancel` aborts its signal,
 * progress goes out as job.progress, and the final state (done/failed/cancelled) is always announced.
 */
export async function runModelJob<T>(
  ctx: EngineContext,
  job: { jobId?: string | undefined; kind: string; label: string },
  work: (report: Report, signal: AbortSignal) => Promise<{ result: T; message: string }>,
): Promise<T> {
  const jobId = job.jobId ?? randomUUID();
  const controller = new AbortController();
  const untrack = ctx.jobs.add(jobId, { cancel: () => controller.abort() });
  const emit = (fraction: number | null, message: string, state: 'running' | 'done' | 'failed' | 'cancelled') =>
    ctx.events.emit('job.progress', { jobId, kind: job.kind, label: job.label, fraction, message, state });
  // A bar never moves backwards: steps report their own fractions (a tool build, then the conversion), so the
  // job reports the furthest point reached; null (a phase of unknown length) keeps the bar where it is.
  let reached = 0;
  const monotonic: Report = (fraction, message) => {
    if (fraction !== null) reached = Math.max(reached, Math.max(0, Math.min(1, fraction)));
    emit(reached, message, 'running');
  };
  try {
    emit(0, 'Starting…', 'running');
    const { result, message } = await work(monotonic, controller.signal);
    emit(1, message, 'done');
    return result;
  } catch (err) {
    const cancelled = controller.signal.aborted || (err as { code?: string }).code === 'CANCELLED';
    emit(null, (err as Error).message, cancelled ? 'cancelled' : 'failed');
    throw err;
  } finally {
    untrack();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
