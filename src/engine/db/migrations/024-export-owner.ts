import type { Migration } from './types.js';

/**
 * Who runs an export: the engine process as (pid, boot id, start time). An export left 'running' by an engine that
 * is gone (a crash, a kill -9) is found at the next start, marked failed as interrupted, its partial folder removed
 * and the fact audited (src/engine/models/export-reconcile.ts). Rows from before have NULL owners: nobody runs them.
 */
export const migration024: Migration = {
  version: 24,
  name: 'export owner',
  up(db) {
    db.exec(`
      ALTER TABLE exports ADD COLUMN owner_pid INTEGER;
      ALTER TABLE exports ADD COLUMN owner_boot TEXT;
      ALTER TABLE exports ADD COLUMN owner_start TEXT;
    `);
  },
};
