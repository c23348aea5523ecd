import { runTrainerCommand } from './trainer-command.js';

export interface SubcommandOptions {
  dataDir?: string | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((fraction: number | null, message: string) => void) | undefined;
}

/**
 * A one-shot trainer command whose caller wants its `done` payload and its progress (export merge/compare-logits,
 * perplexity): `runTrainerCommand` with the module, the name messages use ("The export …") and a path under
 * lathe_trainer/ that must exist.
 */
export async function runTrainerSubcommand(module: string, args: string[], what: { name: string; requires: string }, opts: SubcommandOptions = {}): Promise<Record<string, unknown>> {
  const done = await runTrainerCommand(args, {
    module, name: what.name, requires: what.requires, dataDir: opts.dataDir, signal: opts.signal,
    onEvent: (e) => e.type === 'progress' && opts.onProgress?.(e.fraction, e.message),
  });
  return done.type === 'done' ? done.payload : {};
}
