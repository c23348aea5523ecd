import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { runLathe } from '../cli.js';

afterEach(() => vi.restoreAllMocks());

async function lathe(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  try {
    return { code: await runLathe(argv), out };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('lathe targets', () => {
  it('adds an SSH server and a Slurm cluster with its job profile, lists them beside this machine, and removes one', async () => {
    const d = ['--data-dir', path.join(tempDir(), 'data')];
    const ssh = await lathe(['targets', 'add', 'gpu', 'ssh://ana@gpu-01:2222', '--python', '/opt/venv/bin/python', '--work-dir', '/scratch/lathe', '--ssh-option', 'ProxyJump=bastion', ...d]);
    expect(ssh.out).toBe('Saved target gpu (ssh://ana@gpu-01:2222). Check it with: lathe targets test gpu\n');
    const slurm = await lathe(['targets', 'add', 'hpc', 'slurm+ssh://ana@login-01', '--python', '/shared/venv/bin/python', '--work-dir', '/shared/lathe',
      '--partition', 'a100', '--gpus-per-node', '4', '--time', '12:00:00', '--sbatch=--qos=high', '--sbatch=--exclusive', '--max-runs', '3', ...d]);
    expect(slurm.code).toBe(0);
    const listed = await lathe(['targets', 'list', '--json', ...d]);
    const targets = JSON.parse(listed.out) as Array<{ name: string; address: string; slurm: { job: Record<string, unknown>; via: { host: string } } | null }>;
    expect(targets.map((t) => [t.name, t.address])).toEqual([['local', 'this machine'], ['gpu', 'ssh://ana@gpu-01:2222'], ['hpc', 'slurm+ssh://ana@login-01']]);
    expect(targets[2]!.slurm).toMatchObject({ via: { host: 'login-01' }, maxRuns: 3, job: { partition: 'a100', gpusPerNode: 4, timeLimit: '12:00:00', extraSbatch: ['--qos=high', '--exclusive'], cpusPerTask: 4 } });
    expect((await lathe(['targets', 'list', ...d])).out).toMatch(/^gpu\s+ssh:\/\/ana@gpu-01:2222\s+never tested$/m);
    expect((await lathe(['targets', 'remove', 'gpu', ...d])).out).toMatch(/^Removed target gpu/);
    await expect(lathe(['targets', 'add', 'x', 'slurm://', '--python', '/p', '--work-dir', '/w', '--sbatch=--wrap=rm -rf /', ...d])).rejects.toThrow(/sbatch option is --name or --name=value without spaces or shell characters/);
    // Several runs at once only where a scheduler gives each its own GPUs.
    await expect(lathe(['targets', 'add', 'y', 'ssh://ana@gpu-02', '--python', '/p', '--work-dir', '/w', '--max-runs', '2', ...d])).rejects.toThrow(/An SSH server takes one run at a time/);
  });
});
