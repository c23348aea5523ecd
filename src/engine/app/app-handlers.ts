import { PROTOCOL_VERSION } from '../../shared/contract/frames.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import { currentVersion } from '../db/migrate.js';
import { cachedLlamaTools } from '../models/llama-tools.js';
import type { EngineContext } from '../context.js';
import { APP_VERSION } from '../version.js';

export function appHandlers(ctx: EngineContext): Pick<HandlerImpls, 'app.info' | 'app.ping'> {
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
  };
}

function llamaToolsReady(): boolean {
  try {
    return cachedLlamaTools() !== null;
  } catch {
    return false; // no llama.cpp source, or LATHE_LLAMA_TOOLS_DIR incomplete: not ready either way
  }
}
