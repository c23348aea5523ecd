import type { Migration } from './types.js';

/**
 * Indexes for the lineage walk: each step asks "which runs trained on this version", "which models did this run
 * produce", "which evals ran on this version", "which exports hold these bytes", "which releases decided on this
 * eval" — without them every step of a walk scans a table, and a lineage view over a large library stalls.
 */
export const migration018: Migration = {
  version: 18,
  name: 'lineage look-up indexes',
  up(db) {
    db.exec(`
      CREATE INDEX runs_dataset_version ON runs(dataset_version_id);
      CREATE INDEX runs_base_model ON runs(base_model);
      CREATE INDEX models_run ON models(run_id);
      CREATE INDEX evals_dataset_version ON evals(dataset_version_id);
      CREATE INDEX export_files_sha ON export_files(sha256);
      CREATE INDEX releases_eval ON releases(eval_id);
      CREATE INDEX dataset_versions_parent ON dataset_versions(parent_id);
    `);
  },
};
