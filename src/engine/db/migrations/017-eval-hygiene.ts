import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper D (data hygiene / safety): fill in up() or tell the coordinator it is unused. */
export const migration017: Migration = {
  version: 17,
  name: 'contamination, forgetting and safety checks',
  up() {},
};
