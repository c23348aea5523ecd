import type Database from 'better-sqlite3';
import type { AppInfo } from '../shared/contract/index.js';
import type { AuditLog } from './audit/audit-log.js';
import type { EventBus } from './event-bus.js';
import type { InferenceLink } from './inference/inference-process.js';
import type { JobRegistry } from './jobs.js';
import type { SearchIndexer } from './datasets/search-indexer.js';
import type { AllowedRoot } from './files/allowed-roots.js';
import type { UserDirectory } from './auth/users.js';

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
  /**
   * Whom the audit log records for the running call: in team mode the signed-in user of the call's session (a getter
   * over auth/call-scope.ts, never a value the client sends), else LATHE_ACTOR or the OS user.
   */
  readonly actor: string;
  /** Team mode (`lathe serve --team`): calls come from signed-in users; reviewer and signer names are theirs. */
  team?: boolean;
  /** Team mode's accounts (set by the browser server): password re-entry when signing (auth/signatures.ts). */
  users?: UserDirectory | null;
  /** Where client-supplied paths must lie (browser/team mode with --allow-dir: data folder + allowed dirs); null: anywhere. */
  fileRoots?: AllowedRoot[] | null;
  jobs: JobRegistry;
  /** Full-text search catching up with imports: searches `await searchIndex.ready()` first. */
  searchIndex: SearchIndexer;
}
