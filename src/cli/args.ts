import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LatheError } from '../shared/contract/errors.js';

/** Parses flags for one verb; unknown flags become a clear error rather than being ignored. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', (err as Error).message, `Usage: ${usage}`);
  }
}

export function intFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new LatheError('INVALID_ARGUMENTS', `--${name} must be a whole number, got "${value}".`, `Example: --${name} ${fallback}`);
  }
  return n;
}
