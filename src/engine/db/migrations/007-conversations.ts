import type { Migration } from './types.js';

/** PLACEHOLDER owned by one helper: playground conversations. Fill in up(); the coordinator removes it if unused. */
export const migration007: Migration = {
  version: 7,
  name: 'playground conversations',
  up() {},
};
