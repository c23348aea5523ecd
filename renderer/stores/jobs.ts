import { create } from 'zustand';
import type { EventPayload, JobSummary, LatheErrorData } from '../../src/shared/contract/index.js';
import { getClient } from './connection.js';
import { asErrorData } from './errors.js';

/** A job as the engine last described it, and when this window heard it (to count elapsed time in between). */
export interface JobView extends JobSummary {
  receivedAt: number;
}

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Finished jobs kept for the drawer (the engine keeps as many). */
const KEEP_FINISHED = 20;

interface JobsStore {
  /** Every job this window knows, by id: running ones and the recently finished. */
  jobs: Record<string, JobView>;
  status: LoadStatus;
  error: LatheErrorData | null;
  /** Jobs whose Cancel was pressed and which have not stopped yet. */
  cancelling: Record<string, true>;
  /** The jobs drawer, opened from the status bar (or from a page that points at a job). */
  drawerOpen: boolean;
  setDrawerOpen(open: boolean): void;
  /** jobs.list: on connect and on every reconnect, so a reload or a lost link finds its jobs again. */
  load(): Promise<void>;
  receive(event: EventPayload<'job.progress'>): void;
  /** jobs.cancel: true when the job was asked to stop, false when it had already ended; a failure is set and thrown. */
  cancel(jobId: string): Promise<boolean>;
}

let generation = 0;

/** The one owner of job state in the renderer: loaded from jobs.list, kept current by job.progress. */
export const useJobs = create<JobsStore>((set, get) => ({
  jobs: {},
  status: 'idle',
  error: null,
  cancelling: {},
  drawerOpen: false,
  setDrawerOpen: (open) => set({ drawerOpen: open }),

  async load() {
    const mine = ++generation;
    const asked = Date.now();
    set((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading' }));
    try {
      const { running, finished } = await getClient().send('jobs.list', {});
      if (mine !== generation) return;
      const now = Date.now();
      const fresh: Record<string, JobView> = {};
      for (const j of [...finished, ...running]) fresh[j.jobId] = { ...j, receivedAt: now };
      // An event that arrived while the list was on its way is newer than the list: keep it.
      for (const j of Object.values(get().jobs)) {
        const listed = fresh[j.jobId];
        if (j.receivedAt > asked && (!listed || j.updatedAt > listed.updatedAt)) fresh[j.jobId] = j;
      }
      set({ jobs: trimFinished(fresh), status: 'ready', error: null });
    } catch (err) {
      if (mine !== generation) return;
      set({ status: 'error', error: asErrorData(err) });
    }
  },

  receive(event) {
    set((s) => {
      const before = s.jobs[event.jobId];
      const now = Date.now();
      // An engine that predates the job list sends only the core fields: fill in what this window can know.
      const startedAt = event.startedAt ?? before?.startedAt ?? new Date(now).toISOString();
      const finishedAt = event.finishedAt !== undefined ? event.finishedAt : event.state === 'running' ? null : new Date(now).toISOString();
      const view: JobView = {
        ...event,
        startedAt,
        updatedAt: event.updatedAt ?? new Date(now).toISOString(),
        finishedAt,
        elapsedMs: event.elapsedMs ?? Math.max(0, now - Date.parse(startedAt)),
        etaMs: event.etaMs ?? null,
        durationMs: event.durationMs !== undefined ? event.durationMs : finishedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)) : null,
        cancellable: event.cancellable ?? event.state === 'running',
        subject: event.subject ?? before?.subject ?? null,
        receivedAt: now,
      };
      const cancelling = event.state === 'running' ? s.cancelling : without(s.cancelling, event.jobId);
      return { jobs: trimFinished({ ...s.jobs, [event.jobId]: view }), cancelling };
    });
  },

  async cancel(jobId) {
    set((s) => ({ cancelling: { ...s.cancelling, [jobId]: true } }));
    try {
      const { cancelled } = await getClient().send('jobs.cancel', { jobId });
      // Nothing to stop (it had just ended): reload so the drawer shows how it ended.
      if (!cancelled) {
        set((s) => ({ cancelling: without(s.cancelling, jobId) }));
        void get().load();
      }
      return cancelled;
    } catch (err) {
      set((s) => ({ cancelling: without(s.cancelling, jobId), error: asErrorData(err) }));
      throw err;
    }
  },
}));

/** Running jobs, oldest first. */
export function runningJobs(jobs: Record<string, JobView>): JobView[] {
  return Object.values(jobs)
    .filter((j) => j.state === 'running')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Finished jobs, newest first. */
export function finishedJobs(jobs: Record<string, JobView>): JobView[] {
  return Object.values(jobs)
    .filter((j) => j.state !== 'running')
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
}

/** The running job of this kind on this model (an export, a conversion), if any: pages disable their start button. */
export function useRunningJobFor(kind: string, modelId: string | null | undefined): JobView | undefined {
  return useJobs((s) => (modelId ? Object.values(s.jobs).find((j) => j.state === 'running' && j.kind === kind && j.subject?.type === 'model' && j.subject.id === modelId) : undefined));
}

function trimFinished(jobs: Record<string, JobView>): Record<string, JobView> {
  const old = finishedJobs(jobs).slice(KEEP_FINISHED);
  if (!old.length) return jobs;
  const kept = { ...jobs };
  for (const j of old) delete kept[j.jobId];
  return kept;
}

function without(record: Record<string, true>, key: string): Record<string, true> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}
