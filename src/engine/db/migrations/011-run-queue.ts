import type { Migration } from './types.js';

/** PLACEHOLDER owned by one helper: training job queue. Fill in up(); the coordinator removes it if unused. */
export const migration011: Migration = {
  version: 11,
  name: 'training job queue',
  up() {},
};
