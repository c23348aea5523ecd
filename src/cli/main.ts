#!/usr/bin/env node
/**
 * `lathe` — the same engine services as the app, headless.
 */
import { describeError, toErrorData } from '../shared/contract/errors.js';
import { runLathe } from './cli.js';

/**
 * Resolves once everything written to the stream so far has left the process. Writes to a pipe are asynchronous
 * on POSIX: calling process.exit() straight after a large write drops all but the first 64 KiB (the pipe buffer).
 * Writes complete in order, so the callback of an empty write comes after every earlier one.
 */
export function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

/** Exits with `code` only once stdout and stderr are fully written. */
async function exit(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

// A reader that goes away (`lathe models list | head`) ends the output, as SIGPIPE would: quietly, not as a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

runLathe(process.argv.slice(2)).then(
  (code) => exit(code),
  (err: unknown) => {
    process.stderr.write(`lathe: ${describeError(toErrorData(err))}\n`);
    return exit(1);
  },
);
