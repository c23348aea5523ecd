import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { shellLine, sshOptions } from './ssh.js';

/**
 * A compute target's settings end up on an ssh command line and in a remote shell, so each part that could become
 * a command is refused at `targets.add`: ssh options outside a short list (ProxyCommand, LocalCommand… run commands
 * here), a host or user that ssh would read as an option, relative remote paths. What is accepted is always quoted.
 */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

function engine() {
  const e = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
  engines.push(e);
  return e;
}

const ok = { name: 'gpu', url: 'ssh://ana@gpu-01.lab:2222', python: '/opt/lathe/venv/bin/python', workDir: '/scratch/lathe' };

describe('compute target settings', () => {
  it('saves an SSH target and lists it beside this machine, never with a password', async () => {
    const e = engine();
    const t = await e.call('targets.add', { ...ok, sshOptions: ['ProxyJump=bastion.lab', 'StrictHostKeyChecking=yes'] });
    expect(t).toMatchObject({ name: 'gpu', kind: 'ssh', address: 'ssh://ana@gpu-01.lab:2222', ssh: { user: 'ana', host: 'gpu-01.lab', port: 2222, identityFile: null }, lastTest: null });
    const { targets } = await e.call('targets.list', {});
    expect(targets.map((x) => [x.name, x.kind])).toEqual([['local', 'local'], ['gpu', 'ssh']]);
    await expect(e.call('targets.add', ok)).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/already a target named "gpu"/) });
    expect((await e.call('targets.remove', { name: 'gpu' })).removed).toBe(true);
    expect((await e.call('targets.list', {})).targets).toHaveLength(1);
  });

  it.each([
    ['an ssh option that runs a command here', { sshOptions: ['ProxyCommand=sh -c id'] }, /allowed ssh options|without spaces/],
    ['LocalCommand', { sshOptions: ['LocalCommand=touch/tmp/x'] }, /allowed ssh options/],
    ['an allowed option smuggling shell characters', { sshOptions: ['ProxyJump=a;touch'] }, /without spaces or shell characters/],
    ['a host read as an option', { url: 'ssh://ana@-oProxyCommand=id' }, /host/],
    ['a user with shell characters', { url: 'ssh://a$(id)@gpu' }, /user|SSH address/],
    ['a URL with a path or spaces', { url: 'ssh://ana@gpu /x' }, /a target is ssh:\/\/user@host|address Lathe can use/],
    ['a relative Python', { python: 'venv/bin/python' }, /absolute/],
    ['a relative work folder', { workDir: '~/lathe' }, /absolute/],
    ['the reserved name', { name: 'local' }, /this machine/],
    ['an sbatch option with a line break (a new line of the job script)', { url: 'slurm://', slurm: { extraSbatch: ['--qos=high\nrm -rf ~'] } }, /sbatch option/],
    ['an sbatch option with shell characters', { url: 'slurm://', slurm: { extraSbatch: ['--comment=$(id)'] } }, /sbatch option/],
    ['a partition with shell characters', { url: 'slurm://', slurm: { partition: 'a100;id' } }, /Slurm name/],
    ['a time limit Slurm would not read', { url: 'slurm://', slurm: { timeLimit: 'tomorrow' } }, /time limit/],
    ['Slurm settings for an SSH server', { slurm: { partition: 'a100' } }, /Slurm settings were given for an SSH server/],
  ])('refuses %s', async (_what, change, message) => {
    const e = engine();
    const err = await e.call('targets.add', { ...ok, ...change } as typeof ok).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(`${(err as Error).message} ${(err as { hint?: string }).hint ?? ""}`).toMatch(message);
    expect((await e.call('targets.list', {})).targets).toHaveLength(1);
  });

  it('a training run names a saved target or is refused before anything is written', async () => {
    const e = engine();
    await expect(e.call('runs.start', { baseModelDir: '/nowhere', datasetVersionId: 'x', target: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await e.call('runs.list', {})).runs).toHaveLength(0);
  });

  it('quotes every word for the remote shell: what arrives is exactly what was sent', () => {
    const words = [`it's`, '$(id)', '`id`', 'a b', ';', '|', '&', '"', '\\', '*', 'line\nbreak', ''];
    const out = execFileSync('sh', ['-c', shellLine(['printf', '%s\\0', ...words])]).toString('utf8');
    expect(out.split('\0').slice(0, -1)).toEqual(words);
  });

  it('always runs ssh in batch mode with keep-alives, the key alone when one is given', () => {
    const args = sshOptions({ user: 'u', host: 'h', port: 22, identityFile: '/k', sshOptions: ['ProxyJump=j'], python: '/p', workDir: '/w' });
    expect(args.join(' ')).toBe('-p 22 -o BatchMode=yes -o ConnectTimeout=15 -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -i /k -o IdentitiesOnly=yes -o ProxyJump=j');
  });
});
