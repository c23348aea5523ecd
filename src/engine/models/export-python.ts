import { runTrainerSubcommand, type SubcommandOptions } from '../training/trainer-subcommand.js';

/**
 * Runs `python -m lathe_trainer.export <command>` (merge, compare-logits) with the trainer's Python, offline,
 * and returns the `done` payload. Progress lines are relayed; an `error` line becomes a LatheError with the
 * exporter's own hint; abort sends SIGTERM (the exporter removes its staging folder).
 */
export async function runExportPython(args: string[], opts: SubcommandOptions = {}): Promise<Record<string, unknown>> {
  return runTrainerSubcommand('lathe_trainer.export', args, { name: 'export', requires: 'export' }, opts);
}
