import { runTrainerSubcommand, type SubcommandOptions } from '../../training/trainer-subcommand.js';

export interface TrainerPerplexity {
  tokens: number; documents: number; loss: number; ppl: number; max_seq_len: number; stride: number; precision: string; seconds: number;
  device: { kind?: string; name?: string; torch?: string };
  per_document: Array<{ index: number; tokens: number; loss: number | null; ppl: number | null }>;
  adapter_sha256: string | null;
}

/**
 * Runs `python -m lathe_trainer perplexity --config ppl.json` with the trainer's Python, offline, and returns
 * its `done` payload. Progress lines are relayed; an `error` line becomes a LatheError carrying the trainer's
 * own message and hint; abort sends SIGTERM (the trainer stops with a `cancelled` error line).
 */
export async function runPerplexityPython(configPath: string, opts: SubcommandOptions = {}): Promise<TrainerPerplexity> {
  return (await runTrainerSubcommand('lathe_trainer', ['perplexity', '--config', configPath], { name: 'perplexity measurement', requires: 'perplexity.py' }, opts)) as unknown as TrainerPerplexity;
}
