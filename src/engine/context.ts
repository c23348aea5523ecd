import type Database from 'better-sqlite3';
import type { AppInfo } from '../shared/contract/index.js';
import type { AuditLog } from './audit/audit-log.js';
import type { EventBus } from './event-bus.js';
import type { InferenceLink } from './inference/inference-process.js';
import type { JobRegistry } from './jobs.js';
import type { SearchIndexer } from './datasets/search-indexer.js';

/** What every feature's handlers get. `db` and `audit` are null when the start-up integrity check failed. */
export interface EngineContext {
  dataDir: string;
  mode: AppInfo['mode'];
  db: Database.Database | null;
  dbPath: string;
  dbProblem: string | null;
  audit: AuditLog | null;
  events: EventBus;
  inference: InferenceLink;
  actor: string;
  jobs: JobRegistry;
  /** Full-text search catching up with imports: searches `await searchIndex.ready()` first. */
  searchIndex: SearchIndexer;
}
