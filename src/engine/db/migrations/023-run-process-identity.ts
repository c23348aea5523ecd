import type { Migration } from './types.js';

/**
 * A run's trainer process is identified by (pid, boot of the host, start time of the process), not the pid alone:
 * after a reboot or a pid wrap-around, `kill(pid, 0)` succeeds for an unrelated program and the run looked
 * "running" forever (see src/engine/process-identity.ts). Rows written before this migration have NULLs here and
 * keep the pid-only check.
 */
export const migration023: Migration = {
  version: 23,
  name: 'run process identity',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN pid_boot TEXT;
      ALTER TABLE runs ADD COLUMN pid_start TEXT;
    `);
  },
};
