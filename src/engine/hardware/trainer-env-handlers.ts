import { LatheError } from '../../shared/contract/errors.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { bundledWheelhouse } from '../training/python-env.js';
import { setupPythonEnv, trainerEnvState } from '../training/python-env-setup.js';

export const TRAINER_ENV_JOB_KIND = 'trainer-env.setup';
const EXCLUSIVE_KEY = 'trainer-env';
/** Jobs that do not run the trainer's Python, so a rebuild may go on beside them. */
const INDEPENDENT_KINDS = new Set(['dataset.search-index', 'dataset.import', TRAINER_ENV_JOB_KIND]);

/**
 * Doctor's "Trainer environment": its state against the bundled wheels, and setting it up as a job. The installed
 * desktop app starts that job by itself on its first start and after an update that brings new wheels.
 */
export function trainerEnvHandlers(ctx: EngineContext, onReady: () => void): Pick<HandlerImpls, 'doctor.trainerEnv' | 'doctor.setupTrainerEnv'> {
  return {
    'doctor.trainerEnv': async () => ({ ...trainerEnvState(ctx.dataDir), jobId: runningSetup(ctx) }),
    'doctor.setupTrainerEnv': async ({ force }) => ({ jobId: startTrainerEnvSetup(ctx, { force }, onReady) }),
  };
}

/** First start of an installed app (or an update with new wheels): make the environment unless it is ready. */
export function setUpTrainerEnvIfNeeded(ctx: EngineContext, onReady: () => void): string | null {
  if (ctx.mode !== 'electron' || !ctx.db) return null;
  const { state } = trainerEnvState(ctx.dataDir);
  if (state !== 'missing' && state !== 'stale') return null;
  try {
    return startTrainerEnvSetup(ctx, { force: false }, onReady);
  } catch {
    return null; // busy with a run the last engine left: Doctor offers the button
  }
}

/** Starts the setup job; `onReady` runs once a new environment is in place (the engine re-runs its doctor then). */
export function startTrainerEnvSetup(ctx: EngineContext, opts: { force: boolean }, onReady: () => void): string {
  const wheelhouse = bundledWheelhouse();
  if (!wheelhouse) {
    throw new LatheError('PYTHON_MISSING', 'This Lathe has no bundled wheelhouse to set the trainer\'s environment up from.',
      'In a source checkout run `npm run setup:python`; with the offline bundle run its install.sh; or set LATHE_PYTHON to a Python that has torch, transformers and peft.');
  }
  ctx.jobs.refuseIfRunning(EXCLUSIVE_KEY);
  const busy = ctx.jobs.list().running.filter((j) => !INDEPENDENT_KINDS.has(j.kind));
  if (busy.length) {
    throw new LatheError('ALREADY_RUNNING', `The trainer's environment cannot be rebuilt while ${busy.length === 1 ? `"${busy[0]!.label}" runs` : `${busy.length} jobs run`}: they use it.`,
      'Wait for them to finish (or stop them), then choose "Set up" again.');
  }
  const controller = new AbortController();
  const job = ctx.jobs.start({ kind: TRAINER_ENV_JOB_KIND, label: 'Setting up the trainer\'s Python environment', exclusiveKey: EXCLUSIVE_KEY, cancel: () => controller.abort() });
  job.report(0, 'Starting…');
  const audit = (details: Record<string, unknown>) =>
    ctx.audit && ctx.events.emit('audit.appended', ctx.audit.append({ actor: ctx.actor, action: 'settings.trainer_env', objectType: 'app', objectId: 'python-env', details }));
  void setupPythonEnv({ dataDir: ctx.dataDir, wheelhouse, force: opts.force, report: job.report, signal: controller.signal }).then(
    (result) => {
      if (result.changed) audit({ outcome: 'created', python: result.pythonVersion, packages: result.packages, wheelhouse });
      job.finish('done', result.message);
      if (result.changed) onReady();
    },
    (err: LatheError) => {
      audit({ outcome: controller.signal.aborted ? 'cancelled' : 'failed', error: err.message, wheelhouse });
      job.finish(controller.signal.aborted ? 'cancelled' : 'failed', `${err.message} ${err.hint ?? ''}`.trim());
    },
  );
  return job.id;
}

function runningSetup(ctx: EngineContext): string | null {
  return ctx.jobs.list().running.find((j) => j.kind === TRAINER_ENV_JOB_KIND)?.jobId ?? null;
}
