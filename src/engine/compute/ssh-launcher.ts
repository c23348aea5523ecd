import { shellCheck } from './host-shell.js';
import { remotePython, type WorkHost } from './remote-files.js';
import type { TrainerLauncher } from './remote-trainer.js';

/**
 * A GPU server over SSH: `lathe_trainer.remote launch` starts the trainer in its own session there (it outlives the
 * connection) and `signal` reaches its process group. Nothing schedules it but the server itself.
 */
export function sshLauncher(t: WorkHost): TrainerLauncher {
  return {
    async launch(remoteRun, trainerArgs) {
      const out = await shellCheck(t.shell, remotePython(t, 'lathe_trainer.remote', ['launch', '--dir', remoteRun, '--', ...trainerArgs]), 'start the trainer');
      const { pid } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { pid?: number };
      return { message: `The trainer runs on ${t.shell.host} (pid ${pid ?? '?'} there), in ${remoteRun}.`, data: { remotePid: pid ?? null } };
    },
    async signal(remoteRun, signal) {
      await shellCheck(t.shell, remotePython(t, 'lathe_trainer.remote', ['signal', '--dir', remoteRun, '--signal', signal.slice(3)]), `send ${signal} to the trainer`, { timeoutMs: 30_000 });
    },
  };
}
