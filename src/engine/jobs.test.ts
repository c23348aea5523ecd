import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../shared/contract/index.js';
import { EventBus } from './event-bus.js';
import { ETA_MIN_MEASURED_MS, estimateEtaMs } from './job-eta.js';
import { JobRegistry } from './jobs.js';

/** The registry with a hand-moved clock and a real event bus. */
function registry(keepFinished?: number) {
  const clock = { t: 1_000_000 };
  const events = new EventBus();
  const seen: Array<EventPayload<'job.progress'>> = [];
  events.listen('job.progress', (p) => seen.push(p));
  const jobs = new JobRegistry(events, { now: () => clock.t, ...(keepFinished ? { keepFinished } : {}) });
  return { jobs, clock, seen };
}

describe('job ETA', () => {
  it('is measured throughput applied to what remains, and null until a few seconds and some progress', () => {
    const base = { at: 0, fraction: 0 };
    expect(estimateEtaMs(0.25, base, 4_000)).toBe(12_000); // a quarter in 4 s: three quarters take 12 s
    expect(estimateEtaMs(0.5, base, ETA_MIN_MEASURED_MS - 1)).toBeNull(); // too soon to say
    expect(estimateEtaMs(0, base, 60_000)).toBeNull(); // no progress: no rate, no guess
    expect(estimateEtaMs(null, base, 60_000)).toBeNull(); // a job of unknown length
    expect(estimateEtaMs(0.4, null, 60_000)).toBeNull();
    expect(estimateEtaMs(1, base, 10)).toBe(0);
  });

  it('measures from the first fraction reported, so a resumed job is not credited with work done before', () => {
    // Resumed at 50 %, then 10 % more in 5 s: 40 % left at 2 % a second.
    expect(estimateEtaMs(0.6, { at: 0, fraction: 0.5 }, 5_000)).toBe(20_000);
  });
});

describe('job registry', () => {
  it('reports times and the ETA once known, in the list and in job.progress', () => {
    const { jobs, clock, seen } = registry();
    const job = jobs.start({ id: 'j1', kind: 'model.import', label: 'Import tiny', cancel: () => undefined });
    job.report(0, 'Starting…');
    clock.t += 1_000;
    job.report(0.1, 'Hashing');
    expect(jobs.get('j1')).toMatchObject({ state: 'running', fraction: 0.1, elapsedMs: 1_000, etaMs: null, durationMs: null, cancellable: true });
    clock.t += 3_000;
    job.report(0.4, 'Hashing');
    // 40 % in 4 s: 60 % left takes 6 s.
    expect(jobs.get('j1')).toMatchObject({ fraction: 0.4, elapsedMs: 4_000, etaMs: 6_000 });
    expect(seen.at(-1)).toMatchObject({ jobId: 'j1', kind: 'model.import', fraction: 0.4, etaMs: 6_000, elapsedMs: 4_000, startedAt: new Date(1_000_000).toISOString(), state: 'running' });
    // A stall: nothing new for 4 s, so the rate falls and the ETA grows instead of counting down to a lie.
    clock.t += 4_000;
    expect(jobs.list().running[0]).toMatchObject({ elapsedMs: 8_000, etaMs: 12_000 });
  });

  it('never moves the bar backwards; a phase of unknown length keeps it where it is', () => {
    const { jobs, seen } = registry();
    const job = jobs.start({ kind: 'model.convert', label: 'tiny → Q4_K_M' });
    expect(jobs.get(job.id)?.fraction).toBeNull(); // nothing measured yet
    job.report(0.5, 'F16 written');
    job.report(null, 'Building llama-quantize once: 12%');
    job.report(0.1, 'Quantizing tensor 1/20');
    job.report(2, 'out of range');
    expect(seen.map((e) => e.fraction)).toEqual([0.5, 0.5, 0.5, 1]);
    expect(seen.map((e) => e.message)).toEqual(['F16 written', 'Building llama-quantize once: 12%', 'Quantizing tensor 1/20', 'out of range']);
  });

  it('keeps the last finished jobs, newest first, with their total duration; a re-run replaces its old record', () => {
    const { jobs, clock } = registry(3);
    for (let i = 1; i <= 5; i++) {
      const job = jobs.start({ id: `j${i}`, kind: 'dataset.import', label: `Import ${i}` });
      clock.t += i * 1_000;
      job.finish(i === 4 ? 'failed' : 'done', `finished ${i}`);
    }
    const { running, finished } = jobs.list();
    expect(running).toEqual([]);
    expect(finished.map((j) => [j.jobId, j.state, j.durationMs, j.elapsedMs])).toEqual([
      ['j5', 'done', 5_000, 5_000],
      ['j4', 'failed', 4_000, 4_000],
      ['j3', 'done', 3_000, 3_000],
    ]);
    expect(finished[0]).toMatchObject({ fraction: 1, etaMs: null, cancellable: false, finishedAt: new Date(clock.t).toISOString() });
    // Later reports and a second finish are ignored.
    const again = jobs.start({ id: 'j5', kind: 'dataset.import', label: 'Import 5 again' });
    expect(jobs.list().finished.map((j) => j.jobId)).toEqual(['j4', 'j3']);
    again.finish('cancelled', 'stopped');
    again.report(0.9, 'late');
    again.finish('done', 'late');
    expect(jobs.get('j5')).toMatchObject({ state: 'cancelled', message: 'stopped', label: 'Import 5 again' });
  });

  it('cancels through the job\'s own stop; a job without one, an unknown id or a finished job say false', () => {
    const { jobs } = registry();
    let stops = 0;
    const job = jobs.start({ id: 'c1', kind: 'export.create', label: 'Export', cancel: () => stops++ });
    jobs.start({ id: 'c2', kind: 'dataset.search-index', label: 'Indexing' });
    expect(jobs.cancel('c1')).toBe(true);
    expect(stops).toBe(1);
    expect(jobs.get('c1')?.state).toBe('running'); // the job says when it has stopped, not the registry
    expect(jobs.cancel('c2')).toBe(false);
    expect(jobs.get('c2')?.cancellable).toBe(false);
    expect(jobs.cancel('nope')).toBe(false);
    job.finish('cancelled', 'Cancelled');
    expect(jobs.cancel('c1')).toBe(false);
  });

  it('at shutdown cancels every job except those whose owner stops them itself', () => {
    const { jobs } = registry();
    const stopped: string[] = [];
    jobs.start({ id: 'a', kind: 'eval', label: 'Eval', cancel: () => stopped.push('a') });
    jobs.start({ id: 'run', kind: 'training.run', label: 'Training', cancel: () => stopped.push('run'), cancelOnShutdown: false });
    jobs.cancelAll();
    expect(stopped).toEqual(['a']);
  });

  it('refuses a second job with the same exclusive key or id while the first runs, naming it', () => {
    const { jobs } = registry();
    const first = jobs.start({ id: 'e1', kind: 'export.create', label: 'Export tiny export', exclusiveKey: 'export.create:m1' });
    first.report(0.45, 'GGUF F16');
    const refusal = (() => {
      try {
        jobs.start({ kind: 'export.create', label: 'Export tiny export 2', exclusiveKey: 'export.create:m1' });
      } catch (err) {
        return err as { code: string; message: string; hint: string };
      }
      return null;
    })();
    expect(refusal).toMatchObject({ code: 'ALREADY_RUNNING', message: expect.stringMatching(/“Export tiny export” is already running \(started under a minute ago, 45 % done\)/), hint: expect.stringContaining('job e1') });
    expect(() => jobs.start({ id: 'e1', kind: 'eval', label: 'Other' })).toThrow(/already running/);
    expect(() => jobs.refuseIfRunning('export.create:m1')).toThrow(/already running/);
    jobs.refuseIfRunning('export.create:m2'); // another model is free
    first.finish('done', 'Exported');
    expect(() => jobs.start({ kind: 'export.create', label: 'Export again', exclusiveKey: 'export.create:m1' })).not.toThrow();
  });
});
