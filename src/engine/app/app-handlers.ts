import { PROTOCOL_VERSION } from '../../shared/contract/frames.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import { currentVersion } from '../db/migrate.js';
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
    }),
    'app.ping': async ({ message }) => ({ message, at: new Date().toISOString() }),
  };
}
