import { eventSchemas, type EventPayload, type RunSummary } from '../../src/shared/contract/index.js';
import type { Connection } from '../api/client.js';
import { useAudit } from '../features/audit/audit-store.js';
import { coalesce, newestBy } from './coalesce.js';
import { useConnection } from './connection.js';
import { useDatasetImport } from '../features/datasets/dataset-import-store.js';
import { useDatasets } from '../features/datasets/datasets-store.js';
import { useEngine } from './engine.js';
import { useFirstSteps } from '../features/shell/first-steps-store.js';
import { useJobs } from './jobs.js';
import { useRuns, type LiveStep } from '../features/runs/runs-store.js';
import { useSearchIndex } from '../features/datasets/search-index-store.js';

/** How long live run and job updates are collected before the pages render them (at most four renders a second). */
const LIVE_RUN_MS = 250;

/**
 * Wires the stores to one connection: mirrors the link state, (re)loads what the shell needs each time the link
 * opens, and feeds push events into the stores. Returns the function that undoes all of it.
 */
export function bindStores(connection: Connection): () => void {
  const { client } = connection;
  useConnection.setState({ ...connection.getState(), client });

  const onOpen = () => {
    void useEngine.getState().loadInfo();
    void useEngine.getState().loadDoctor(false);
    // After a reconnect the audit page may have missed entries; reload it if it was showing any.
    if (useAudit.getState().status !== 'idle') void useAudit.getState().load();
    useDatasets.getState().refresh();
    // Runs may have moved on (or finished) while the link was down.
    if (useRuns.getState().status !== 'idle') void useRuns.getState().load();
    // Jobs that started, moved on or ended while this page was away (a reload, a lost link).
    void useJobs.getState().load();
    void useFirstSteps.getState().load();
  };

  let wasOpen = false;
  const offState = connection.subscribe((state) => {
    useConnection.setState({ ...state });
    const isOpen = state.status === 'open';
    if (isOpen && !wasOpen) onOpen();
    wasOpen = isOpen;
  });
  if (connection.getState().status === 'open') {
    wasOpen = true;
    onOpen();
  }

  // Live runs push a step (and often a summary) several times a second: the run pages render once per batch.
  const metrics = coalesce((batch: LiveStep[]) => useRuns.getState().receiveMetrics(batch), LIVE_RUN_MS);
  const runUpdates = coalesce((batch: RunSummary[]) => {
    const newest = newestBy(batch, (r) => r.id); // a later summary of a run replaces an earlier one
    for (const run of newest) useRuns.getState().upsert(run);
    if (newest.some((r) => r.status === 'completed')) useFirstSteps.getState().poke();
  }, LIVE_RUN_MS);

  // Each step of a run also moves its job: the job bar and drawer take the newest state of each job per batch.
  const jobUpdates = coalesce((batch: Array<EventPayload<'job.progress'>>) => {
    for (const event of newestBy(batch, (e) => e.jobId)) {
      useJobs.getState().receive(event);
      useDatasetImport.getState().receiveProgress(event);
      useSearchIndex.getState().receiveProgress(event);
    }
  }, LIVE_RUN_MS);

  const offs = [
    offState,
    () => {
      for (const c of [metrics, runUpdates, jobUpdates]) c.flush();
    },
    client.listen('doctor.updated', (payload) => {
      const parsed = eventSchemas['doctor.updated'].safeParse(payload);
      if (parsed.success) useEngine.getState().setDoctor(parsed.data);
    }),
    client.listen('audit.appended', (payload) => {
      const parsed = eventSchemas['audit.appended'].safeParse(payload);
      if (!parsed.success) return;
      useAudit.getState().receive(parsed.data);
      // Every write is audited: the getting-started checklist asks again (once per burst).
      useFirstSteps.getState().poke();
      // An import from anywhere (this window, another one, the CLI) changes the dataset list.
      if (parsed.data.action.startsWith('dataset.')) useDatasets.getState().refresh();
    }),
    client.listen('job.progress', (payload) => {
      const parsed = eventSchemas['job.progress'].safeParse(payload);
      if (parsed.success) jobUpdates.push(parsed.data);
    }),
    client.listen('run.updated', (payload) => {
      const parsed = eventSchemas['run.updated'].safeParse(payload);
      if (!parsed.success) return;
      runUpdates.push(parsed.data);
    }),
    // A playground conversation is stored without an audit entry; its first answer is the cue.
    client.listen('playground.answer', () => useFirstSteps.getState().poke()),
    client.listen('run.metrics', (payload) => {
      const parsed = eventSchemas['run.metrics'].safeParse(payload);
      if (parsed.success) metrics.push(parsed.data);
    }),
  ];
  return () => {
    for (const off of offs) off();
    useConnection.setState({ client: null });
  };
}
