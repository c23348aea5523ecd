import os from 'node:os';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { allowedRoots } from './allowed-roots.js';
import { listFolder } from './folder-listing.js';

type FileImpls = Pick<HandlerImpls, 'files.listFolder'>;

/** The read-only folder browser behind "Import a model…"; roots are worked out per call (LATHE_MODEL_ROOTS may change in tests). */
export function fileHandlers(ctx: EngineContext): FileImpls {
  return {
    'files.listFolder': async ({ path, showHidden }) => {
      const home = os.homedir();
      return listFolder(path, allowedRoots(ctx.dataDir, process.env, home), { showHidden, home });
    },
  };
}
