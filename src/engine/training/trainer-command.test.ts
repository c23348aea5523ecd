import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { runTrainerCommand, type TrainerEvent } from './trainer-command.js';
import { runTrainerSubcommand } from './trainer-subcommand.js';

/** The one runner of one-shot trainer commands, with the project's real Python and trainer package. */
describe('running a one-shot trainer command', () => {
  it('resolves with the done payload at the top level and relays every protocol line', async () => {
    const events: TrainerEvent[] = [];
    const done = await runTrainerCommand(['doctor'], { onEvent: (e) => events.push(e) });
    expect(done.type).toBe('done');
    expect(typeof done.torch).toBe('string');
    expect(events.map((e) => e.type)).toContain('done');
  }, 120_000);

  it('turns the command\'s error line into a LatheError with its own message and hint, named for what it runs', async () => {
    const missing = path.join(tempDir('lathe-cmd-'), 'ppl.json');
    const err = await runTrainerSubcommand('lathe_trainer', ['perplexity', '--config', missing], { name: 'perplexity measurement', requires: 'perplexity.py' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRAINER_FAILED', message: expect.stringContaining(`Cannot read ${missing}`), hint: expect.stringMatching(/ppl\.json/) });
  }, 60_000);

  it('names a line outside the protocol when a command ends without a done line', async () => {
    const file = path.join(tempDir('lathe-cmd-'), 'x.json');
    fs.writeFileSync(file, '{"not": "a protocol line"}');
    // python -m json.tool prints the object back: JSON, but no protocol line, and exits 0 without `done`.
    const err = await runTrainerCommand([file], { module: 'json.tool', name: 'check' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRAINER_FAILED', message: expect.stringMatching(/^The check exited with code 0 without finishing\. It printed a line outside the protocol/) });
  }, 60_000);

  it('stops the command on abort and says it was cancelled', async () => {
    const ctl = new AbortController();
    const running = runTrainerCommand(['doctor'], { signal: ctl.signal, name: 'doctor' }).catch((e: unknown) => e);
    setTimeout(() => ctl.abort(), 200);
    expect(await running).toMatchObject({ code: 'CANCELLED', message: 'The doctor was cancelled; nothing was stored.' });
  }, 60_000);

  it('refuses to start when the trainer package lacks the file the command needs', async () => {
    const err = await runTrainerSubcommand('lathe_trainer', ['nothing'], { name: 'widget', requires: 'no-such-module.py' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRAINER_FAILED', message: expect.stringMatching(/^The trainer's widget command is missing from /) });
  });
});
