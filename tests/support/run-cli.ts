import { vi } from 'vitest';

/**
 * Runs a `lathe` sub-command in-process and returns its exit code with what it printed on stdout (stderr is
 * silenced). The spies are removed afterwards, so a failing assertion still prints normally.
 */
export async function runCli(command: (args: string[]) => Promise<number>, args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await command(args), out };
  } finally {
    vi.restoreAllMocks();
  }
}
