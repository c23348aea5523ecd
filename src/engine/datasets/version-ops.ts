import type Database from 'better-sqlite3';
import type { CurateOperation } from '../../shared/contract/features/datasets.js';
import type { ExampleFilterOps } from '../../shared/contract/features/dataset-export.js';
import { curateVersion, findNearDuplicates, scanVersionForPii } from './curate.js';
import { exportVersion, type ExportOptions } from './export.js';
import { filterVersion } from './filters.js';
import { versionStats } from './stats.js';
import type { LoadedTokenizer } from './token-count.js';

/**
 * The steps that read a whole version (curate, filter, export, stats, PII scan, near-duplicates), by name, with plain arguments and results,
 * so they run the same here or in a worker (run-version-op.ts). Each is seconds of work at a million rows.
 */
export function versionOps(db: Database.Database, tokenizer: (path: string | undefined) => LoadedTokenizer | null) {
  return {
    curate: (a: { versionId: string; operation: CurateOperation; actor: string }) => curateVersion(db, a.versionId, a.operation, a.actor),
    filter: (a: { versionId: string; filter: ExampleFilterOps; actor: string }) => filterVersion(db, a.versionId, a.filter, tokenizer(a.filter.tokenizerPath), a.actor),
    export: (a: ExportOptions) => exportVersion(db, a),
    piiScan: (a: { versionId: string; customPatterns: string[]; limit: number }) => scanVersionForPii(db, a.versionId, a.customPatterns, a.limit),
    nearDuplicates: (a: { versionId: string; threshold: number; limit: number }) => findNearDuplicates(db, a.versionId, a.threshold, a.limit),
    stats: (a: { versionId: string; tokenizerPath?: string; bins: number }) => versionStats(db, a.versionId, tokenizer(a.tokenizerPath), a.bins),
  };
}

export type VersionOps = ReturnType<typeof versionOps>;
export type VersionOpName = keyof VersionOps;
