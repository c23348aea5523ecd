import type { Migration } from './types.js';

/**
 * Compute targets (issue 18): saved places a run's trainer can run besides this machine. `config` is the target's
 * settings as JSON (an SSH target's user, host, port, key file, allowed ssh options, Python and work folder; never a
 * password). `last_test` is the last connection test's report. Removing a target deletes its row; runs keep the
 * target's name and address in their start settings and events.
 */
export const migration030: Migration = {
  version: 30,
  name: 'compute targets',
  up(db) {
    db.exec(`
      CREATE TABLE compute_targets (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('ssh', 'slurm')),
        config TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        last_test TEXT
      );
    `);
  },
};
