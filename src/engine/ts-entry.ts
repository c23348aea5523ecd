import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Locates a sibling entry file for a worker or child process. From source (tsx, vitest) it is the .ts file
 * and the child needs tsx's loader; from a build it is the .js file beside this one.
 */
export function siblingEntry(fromUrl: string, relative: string): { file: string; execArgv: string[] } {
  const here = fileURLToPath(fromUrl);
  const fromSource = here.endsWith('.ts');
  const file = path.join(path.dirname(here), relative.replace(/\.js$/, fromSource ? '.ts' : '.js'));
  return { file, execArgv: fromSource ? ['--import', pathToFileURL(tsxLoader()).href] : [] };
}

function tsxLoader(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs');
}

/** Worker threads: from source, start a bootstrap that registers tsx and then imports the .ts entry. */
export function workerEntry(fromUrl: string, relative: string, workerData: Record<string, unknown>): { file: string; workerData: Record<string, unknown> } {
  const { file, execArgv } = siblingEntry(fromUrl, relative);
  if (execArgv.length === 0) return { file, workerData };
  const bootstrap = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ts-worker-bootstrap.mjs');
  return { file: bootstrap, workerData: { ...workerData, __tsEntry: file } };
}
