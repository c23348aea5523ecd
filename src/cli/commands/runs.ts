import { LatheError } from '../../shared/contract/errors.js';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';
import { resolveRecordId } from '../ids.js';
import { follow } from './train.js';

const USAGE =
  'lathe runs list [--json] | show RUN [--json] | stop RUN | cancel RUN | resume RUN [--step N]   [--data-dir DIR]\n' +
  '  (RUN: a run id or its first characters, as `lathe runs list` prints them)';

/** Training runs, headless: list, show, stop (also one the app is training), cancel a queued one, resume. */
export async function runsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' }, step: { type: 'string' }, 'data-dir': { type: 'string' } }, USAGE);
  const [verb, target] = positionals;
  if (!verb) throw new LatheError('INVALID_ARGUMENTS', 'Which runs command?', `Usage: ${USAGE}`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const runId = () => {
    if (!target) throw new LatheError('INVALID_ARGUMENTS', 'Missing RUN.', `Usage: ${USAGE}`);
    return resolveRecordId(engine, 'run', target);
  };
  try {
    switch (verb) {
      case 'list': {
        const { runs } = await engine.call('runs.list', {});
        if (values.json) out(JSON.stringify(runs, null, 2));
        else if (!runs.length) out('No runs yet. Start one with `lathe train`.');
        else for (const r of runs) out(row(r));
        return 0;
      }
      case 'show': {
        const r = await engine.call('runs.get', { runId: runId() });
        out(values.json ? JSON.stringify(r, null, 2) : details(r));
        return 0;
      }
      case 'stop': {
        const id = runId();
        const { stopping } = await engine.call('runs.stop', { runId: id });
        const r = await engine.call('runs.get', { runId: id });
        if (!stopping) throw new LatheError('INVALID_ARGUMENTS', `Run ${id.slice(0, 8)} is not training (it is ${r.status}).`, r.status === 'stopped' || r.status === 'interrupted' ? 'Continue it with `lathe runs resume`.' : 'See `lathe runs list`.');
        out(r.status === 'stopped' ? `Run ${id.slice(0, 8)} was queued; it is cancelled.` : `Stopping run ${id.slice(0, 8)}: the trainer saves a checkpoint, then exits.`);
        return 0;
      }
      case 'cancel': {
        const r = await engine.call('runs.cancel', { runId: runId() });
        out(`Run ${r.id.slice(0, 8)} taken off the queue (${r.status}).`);
        return 0;
      }
      case 'resume': {
        const started = await engine.call('runs.resume', { runId: runId(), ...(values.step ? { step: intFlag(values.step, 'step', 1) } : {}) });
        out(`Resuming run ${started.id.slice(0, 8)} from step ${latestStep(started, values.step)}; Ctrl+C stops it with a checkpoint.`);
        return await follow(engine, started);
      }
      default:
        throw new LatheError('INVALID_ARGUMENTS', `Unknown runs command "${verb}".`, `Usage: ${USAGE}`);
    }
  } finally {
    await engine.dispose();
  }
}

function progress(r: RunSummary): string {
  const steps = Number(r.config.max_steps ?? 0);
  const done = r.checkpoints.at(-1)?.step ?? 0;
  return steps ? `${done}/${steps}` : String(done);
}

function row(r: RunSummary): string {
  return `${r.id.slice(0, 8)}  ${r.status.padEnd(11)}  ${progress(r).padStart(9)}  ${r.createdAt.slice(0, 16).replace('T', ' ')}  ${r.name}`;
}

function details(r: RunSummary): string {
  const c = r.config;
  const lines = [
    `${r.name} (${r.id})`,
    `status      ${r.status}${r.queuePosition ? ` (place ${r.queuePosition} in the ${r.slot} queue)` : ''}`,
    `base model  ${r.baseModel}`,
    `method      ${String(c.method)} · ${String(c.objective)} · ${String(c.max_steps)} steps · lr ${String(c.lr)} · seq ${String(c.max_seq_len)}`,
    `output      ${r.outputDir}`,
    `checkpoints ${r.checkpoints.length ? r.checkpoints.map((k) => k.step).join(', ') : 'none'}`,
  ];
  if (r.error) lines.push(`error       ${r.error.message}`, `            → ${r.error.hint}`);
  for (const e of r.events.slice(-5)) lines.push(`  ${e.at.slice(11, 19)}  ${e.kind.padEnd(12)} ${e.message}`);
  return lines.join('\n');
}

function latestStep(r: RunSummary, step: string | undefined): string {
  return step ?? String(r.checkpoints.at(-1)?.step ?? 0);
}
