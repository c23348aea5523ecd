import { firstStepIds } from '../../shared/contract/features/app.js';
import { PROTOCOL_VERSION } from '../../shared/contract/frames.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import { currentVersion } from '../db/migrate.js';
import { firstStepsQueries } from '../db/queries/first-steps.js';
import { cachedLlamaTools } from '../models/llama-tools.js';
import type { EngineContext } from '../context.js';
import { APP_VERSION } from '../version.js';

export function appHandlers(ctx: EngineContext): Pick<HandlerImpls, 'app.info' | 'app.ping' | 'app.firstSteps'> {
  // Prepared once, on first use: the checklist asks after every write the page hears about.
  let firstSteps: ReturnType<typeof firstStepsQueries> | null = null;
  return {
    'app.info': async () => ({
      name: 'Lathe',
      version: APP_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      mode: ctx.mode,
      dataDir: ctx.dataDir,
      dbPath: ctx.dbPath,
      dbSchemaVersion: ctx.db ? currentVersion(ctx.db) : 0,
      dbWritable: ctx.db !== null,
      dbProblem: ctx.dbProblem,
      llamaToolsReady: llamaToolsReady(),
      actor: ctx.actor,
    }),
    'app.ping': async ({ message }) => ({ message, at: new Date().toISOString() }),
    'app.firstSteps': async () => {
      // A database that failed its start-up check has no steps to show: all false, so the UI simply waits.
      if (ctx.db && !firstSteps) firstSteps = firstStepsQueries(ctx.db);
      const done = ctx.db && firstSteps ? firstSteps.done() : null;
      return { steps: firstStepIds.map((id) => ({ id, done: done?.[id] ?? false })) };
    },
  };
}

function llamaToolsReady(): boolean {
  try {
    return cachedLlamaTools() !== null;
  } catch {
    return false; // no llama.cpp source, or LATHE_LLAMA_TOOLS_DIR incomplete: not ready either way
  }
}
