import os from 'node:os';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { allowedRoots } from './allowed-roots.js';
import { listFolder } from './folder-listing.js';

type FileImpls = Pick<HandlerImpls, 'files.listFolder'>;

/**
 * The read-only folder browser behind "Import a model…"; roots are worked out per call (LATHE_MODEL_ROOTS may change
 * in tests). Where the engine restricts client paths (browser/team mode with --allow-dir) it lists only those roots
 * (the data folder and each --allow-dir) and starts in the first.
 */
export function fileHandlers(ctx: EngineContext): FileImpls {
  return {
    'files.listFolder': async ({ path, showHidden }) => {
      const home = os.homedir();
      if (ctx.fileRoots) return listFolder(path?.trim() ? path : ctx.fileRoots[0]!.path, ctx.fileRoots, { showHidden, home });
      return listFolder(path, allowedRoots(ctx.dataDir, process.env, home), { showHidden, home });
    },
  };
}
