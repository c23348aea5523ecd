import type { Migration } from './types.js';

/** PLACEHOLDER owned by helper F (release on artefact / report): fill in up() or tell the coordinator it is unused. */
export const migration016: Migration = {
  version: 16,
  name: 'releases bound to exported artefacts',
  up() {},
};
