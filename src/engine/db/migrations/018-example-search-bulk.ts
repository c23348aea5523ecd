import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper G (import throughput): fill in up() or tell the coordinator it is unused. */
export const migration018: Migration = {
  version: 18,
  name: 'bulk-filled example search',
  up() {},
};
