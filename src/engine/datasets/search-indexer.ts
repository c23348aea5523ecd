import { Worker } from 'node:worker_threads';
import type { LatheErrorData } from '../../shared/contract/errors.js';
import type Database from 'better-sqlite3';
import type { JobRegistry } from '../jobs.js';
import { searchBacklogQueries } from '../db/queries/search-backlog.js';
import { workerEntry } from '../ts-entry.js';

type IndexMessage = { type: 'progress'; remaining: number; total: number } | { type: 'done' } | { type: 'failed'; error: LatheErrorData };

const JOB_ID = 'search-index';
const LABEL = 'Indexing examples for search';

/**
 * Keeps full-text search in step with imports. An import commits its rows and queues their id range
 * (search_backlog); this runs one worker at a time that drains the queue, and reports it as a job. Searches
 * wait for it (`ready`), so they never miss rows that are already in a version. A crash leaves the queue in the
 * database: the next engine start picks it up.
 */
export class SearchIndexer {
  private worker: Worker | null = null;
  private again = false;
  private waiters: Array<() => void> = [];
  private disposed = false;

  /** The parts of the engine context it uses (declared here, so context.ts can hold an indexer without a cycle). */
  constructor(private readonly ctx: { db: Database.Database | null; dbPath: string; jobs: JobRegistry }) {}

  /** Examples not yet searchable (an upper bound). */
  pending(): number {
    return this.ctx.db ? searchBacklogQueries(this.ctx.db).pending() : 0;
  }

  /** Starts draining the backlog unless it is empty; a call while a worker runs makes it look again when done. */
  kick(): void {
    if (this.disposed || !this.ctx.db) return;
    if (this.worker) {
      this.again = true;
      return;
    }
    if (this.pending() === 0) return this.wake();
    this.start();
  }

  /**
   * Waits (up to `timeoutMs`) until every committed example is searchable; returns how many still are not,
   * 0 in the usual case. A search called right after a 1M-row import waits a few seconds instead of missing rows.
   */
  async ready(timeoutMs = 30_000): Promise<number> {
    if (this.pending() === 0) return 0;
    const idle = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return this.pending();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = null;
    await w?.terminate(); // the backlog stays in the database; the next start resumes it
    this.wake();
  }

  private start(): void {
    const entry = workerEntry(import.meta.url, './search-index-worker.js', { dbPath: this.ctx.dbPath });
    const worker = new Worker(entry.file, { workerData: entry.workerData });
    this.worker = worker;
    this.again = false;
    let failed: string | null = null;
    // Not cancellable: searches wait for it, and a stopped indexer would only resume at the next import.
    const job = this.ctx.jobs.start({ id: JOB_ID, kind: 'dataset.search-index', label: LABEL });
    const progress = (fraction: number | null, message: string) => job.report(fraction, message);
    progress(0, `${this.pending().toLocaleString('en')} examples left`); // the pill shows at once
    worker.on('message', (m: IndexMessage) => {
      if (m.type === 'progress') progress(m.total ? 1 - m.remaining / m.total : null, `${m.remaining.toLocaleString('en')} examples left`);
      else if (m.type === 'failed') failed = m.error.message;
    });
    worker.on('error', (err) => (failed = err.message));
    worker.on('exit', () => {
      if (this.worker !== worker) return; // disposed
      this.worker = null;
      if (failed) {
        // Searches answer with what is indexed (and say how much is not); the next import or start tries again.
        job.finish('failed', `Search indexing stopped: ${failed}. It resumes at the next import or start.`);
        return this.wake();
      }
      if (this.again && this.pending() > 0) {
        job.finish('done', 'This batch is searchable; indexing the next one');
        return this.start();
      }
      job.finish('done', 'Every example is searchable');
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
