import { migration001 } from './001-audit-log.js';
import type { Migration } from './types.js';

/** Every migration, in order. Append only: never edit or reorder a migration that has shipped. */
export const migrations: readonly Migration[] = [migration001];

export type { Migration } from './types.js';
