import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { trainerLineSchema, type TrainerLine } from '../../shared/training/trainer-events.js';

/**
 * One line of the trainer's stdout, checked against the protocol's one definition (shared/training/trainer-events).
 * A line that is not JSON, or JSON that breaks the protocol, is a breach: the caller keeps it for the error and the
 * log and acts on nothing in it, so a trainer that drifted from the engine fails loudly instead of half-working.
 */
export type ParsedTrainerLine = { ok: true; line: TrainerLine } | { ok: false; breach: string };

export function parseTrainerLine(text: string): ParsedTrainerLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, breach: `not JSON: ${text.slice(0, 200)}` };
  }
  const parsed = trainerLineSchema.safeParse(value);
  if (parsed.success) return { ok: true, line: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? ` at "${issue.path.join('.')}"` : '';
  return { ok: false, breach: `${issue.message}${where} in ${text.slice(0, 200)}` };
}

/** Reads a trainer's stdout line by line: each protocol line to `onLine`, each breach to `onBreach`, blank lines skipped. */
export function readTrainerLines(stdout: Readable, onLine: (line: TrainerLine) => void, onBreach: (breach: string) => void): void {
  readline.createInterface({ input: stdout }).on('line', (text) => {
    if (!text.trim()) return;
    const parsed = parseTrainerLine(text);
    if (parsed.ok) onLine(parsed.line);
    else onBreach(parsed.breach);
  });
}
