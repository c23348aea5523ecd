import type { Migration } from './types.js';

/** PLACEHOLDER owned by one helper: review queue and labels. Fill in up(); the coordinator removes it if unused. */
export const migration008: Migration = {
  version: 8,
  name: 'review queue and labels',
  up() {},
};
