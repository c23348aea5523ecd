import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper B (lineage / reproduce): fill in up() or tell the coordinator it is unused. */
export const migration019: Migration = {
  version: 19,
  name: 'run reproduction and lineage',
  up() {},
};
