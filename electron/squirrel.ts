// Windows installer hooks. Squirrel starts the app with --squirrel-install/-updated/-uninstall/-obsolete and
// expects it to manage shortcuts and exit at once (what electron-squirrel-startup does, without the dependency).
// Update.exe runs locally; nothing here touches the network.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { app } from 'electron';

/** True when this launch was a Squirrel event and the app must quit without opening a window. */
export function handleSquirrelEvent(): boolean {
  if (process.platform !== 'win32') return false;
  const event = process.argv[1];
  if (!event?.startsWith('--squirrel-')) return false;

  const updateExe = path.resolve(path.dirname(process.execPath), '..', 'Update.exe');
  const exeName = path.basename(process.execPath);
  const runUpdate = (args: string[]): void => {
    try {
      spawn(updateExe, args, { detached: true, stdio: 'ignore' })
        .on('error', () => app.quit())
        .on('close', () => app.quit());
    } catch {
      app.quit();
    }
  };

  switch (event) {
    case '--squirrel-install':
    case '--squirrel-updated':
      runUpdate(['--createShortcut', exeName]);
      return true;
    case '--squirrel-uninstall':
      runUpdate(['--removeShortcut', exeName]);
      return true;
    case '--squirrel-obsolete':
      app.quit();
      return true;
    default:
      return false;
  }
}
