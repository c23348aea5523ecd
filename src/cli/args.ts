import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LatheError } from '../shared/contract/errors.js';

/**
 * Thrown by parseFlags when the arguments ask for help (`--help` or `-h`): the CLI prints the usage on stdout and
 * exits 0 (src/cli/cli.ts). It is not an error; it only stops the command before it opens anything.
 */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Whether `--help`/`-h` appears as an option (not as the value of another flag, nor after `--`). */
export function asksForHelp(argv: string[], options: Options): boolean {
  const { tokens } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: false, tokens: true });
  return tokens.some((t) => t.kind === 'option' && t.name === 'help');
}

/**
 * Parses flags for one verb; unknown flags become a clear error rather than being ignored. `--help`/`-h` anywhere
 * among the options (whatever else is given) stops the command with its usage: see HelpRequested.
 */
export function parseFlags<T extends Options>(argv: string[], options: T, usage: string) {
  if (asksForHelp(argv, options)) throw new HelpRequested(usage);
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
