import type { JobSubject } from '../../shared/contract/features/jobs.js';
import type { EngineContext } from '../context.js';

export type Report = (fraction: number | null, message: string) => void;

/**
 * Runs a long model task (hashing, conversion, export, eval) as a cancellable job in the registry: `jobs.cancel`
 * aborts its signal, progress goes out as job.progress (the bar never moves backwards: steps report their own
 * fractions, a tool build then the conversion, and the registry keeps the furthest point reached; null, a phase of
 * unknown length, holds it), and the final state (done/failed/cancelled) is always announced. With an
 * `exclusiveKey`, a second start while one runs is refused with ALREADY_RUNNING before any work.
 */
export async function runModelJob<T>(
  ctx: EngineContext,
  job: { jobId?: string | undefined; kind: string; label: string; subject?: JobSubject | undefined; exclusiveKey?: string | undefined },
  work: (report: Report, signal: AbortSignal) => Promise<{ result: T; message: string }>,
): Promise<T> {
  const controller = new AbortController();
  const handle = ctx.jobs.start({ id: job.jobId, kind: job.kind, label: job.label, subject: job.subject, exclusiveKey: job.exclusiveKey, cancel: () => controller.abort() });
  try {
    handle.report(0, 'Starting…');
    const { result, message } = await work(handle.report, controller.signal);
    handle.finish('done', message);
    return result;
  } catch (err) {
    const cancelled = controller.signal.aborted || (err as { code?: string }).code === 'CANCELLED';
    handle.finish(cancelled ? 'cancelled' : 'failed', (err as Error).message);
    throw err;
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
