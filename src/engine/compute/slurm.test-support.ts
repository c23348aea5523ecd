import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real single-node Slurm cluster for tests: its own munged (own key and socket), slurmctld and slurmd, all as
 * children of the test process, all files in one fresh temp folder, so it never meets a system config or another
 * test's cluster. CPU-only; jobs run as the submitting user (root here) with proctrack/linuxproc and no cgroups,
 * so it works in a container without systemd.
 */
export interface TestSlurm {
  /** Env for sbatch/squeue/scancel/sacct/scontrol/srun: SLURM_CONF pointing at the kit's slurm.conf (plus whatever else is needed). */
  env: NodeJS.ProcessEnv;
  nodeName: string;
  partition: string;
  cpus: number;
  /** A directory every job can read and write (the "shared filesystem"). */
  sharedDir: string;
  /** The kit's folder (slurm.conf, state, spool, logs, munge); removed by stop(). */
  root: string;
  /** The slurm.conf this cluster runs on. */
  confPath: string;
  /** jobcomp/filetxt's file: one `JobId=N ... JobState=X ...` line per finished job (there is no slurmdbd, so no sacct). */
  jobCompFile: string;
  /** The last lines of the daemons' logs, for a failing test's message. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

const PARTITION = 'lathe';
const STARTUP_TIMEOUT_MS = 30_000;

/** Whether this machine can run the kit: Slurm's and MUNGE's daemons installed, and root (slurmd must be). */
export function slurmAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  for (const bin of ['slurmctld', 'slurmd', 'munged', 'sbatch', 'scontrol', 'sinfo']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return false;
    }
  }
  return true;
}

export async function startTestSlurm(): Promise<TestSlurm> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lathe-slurm-'));
  // munged refuses a socket whose folder (and every folder above) is not executable by all: mkdtemp's 0700 won't do.
  await fsp.chmod(root, 0o755);
  const dirs = { munge: path.join(root, 'munge'), state: path.join(root, 'state'), spool: path.join(root, 'spool'), log: path.join(root, 'log'), shared: path.join(root, 'shared') };
  for (const dir of Object.values(dirs)) await fsp.mkdir(dir, { mode: 0o755 });
  await fsp.chmod(dirs.shared, 0o777);
  const confPath = path.join(root, 'slurm.conf');
  const jobCompFile = path.join(dirs.log, 'jobcomp.txt');
  const munge = { key: path.join(dirs.munge, 'munge.key'), socket: path.join(dirs.munge, 'munge.socket'), pid: path.join(dirs.munge, 'munged.pid'), seed: path.join(dirs.munge, 'munged.seed'), log: path.join(dirs.log, 'munged.log') };
  const logs = { ctld: path.join(dirs.log, 'slurmctld.log'), slurmd: path.join(dirs.log, 'slurmd.log'), ctldOut: path.join(dirs.log, 'slurmctld.out'), slurmdOut: path.join(dirs.log, 'slurmd.out') };

  const env = slurmFreeEnv();
  env.SLURM_CONF = confPath;
  const children: { name: string; proc: ChildProcess; exited: boolean }[] = [];

  const logTails = (lines = 40) =>
    [munge.log, logs.ctld, logs.ctldOut, logs.slurmd, logs.slurmdOut]
      .map((file) => {
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch {
          return `--- ${path.basename(file)}: (none)`;
        }
        return `--- ${path.basename(file)} (last ${lines} lines):\n${text.split('\n').slice(-lines - 1).join('\n')}`;
      })
      .join('\n');

  // If the test process ends without stop() (a crash, a killed worker), take the daemons and their jobs with it.
  const onExit = () => {
    for (const c of children) if (!c.exited) c.proc.kill('SIGKILL');
    killStrays(confPath);
    fs.rmSync(root, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      const daemons = children.filter((c) => c.name !== 'munged');
      if (daemons.some((c) => !c.exited)) {
        // Cancel every job and give them KillWait (5 s) and a little to finish, so slurmd reaps its steps.
        const ids = (await run('squeue', ['-h', '-o', '%i'], env).catch(() => '')).split(/\s+/).filter(Boolean);
        if (ids.length) await run('scancel', ids, env).catch(() => '');
        const until = Date.now() + 10_000;
        while (ids.length && Date.now() < until) {
          const left = await run('squeue', ['-h', '-o', '%i'], env).catch(() => '');
          if (!left.trim()) break;
          await sleep(250);
        }
      }
      await Promise.all(daemons.map(terminate));
      // slurmstepd daemonises away from slurmd; anything left that runs under this cluster's SLURM_CONF is ours.
      killStrays(confPath);
      await Promise.all(children.filter((c) => c.name === 'munged').map(terminate));
      process.off('exit', onExit);
      await fsp.rm(root, { recursive: true, force: true });
    })());

  const launch = (name: string, cmd: string, args: string[], outFile: string, childEnv: NodeJS.ProcessEnv) => {
    const fd = fs.openSync(outFile, 'a');
    try {
      const proc = spawn(cmd, args, { env: childEnv, stdio: ['ignore', fd, fd] });
      const child = { name, proc, exited: false };
      proc.on('exit', () => (child.exited = true));
      proc.on('error', () => (child.exited = true));
      children.push(child);
      return child;
    } finally {
      fs.closeSync(fd);
    }
  };

  const fail = async (why: string): Promise<never> => {
    const tails = logTails();
    await stop();
    throw new Error(`Test Slurm did not start: ${why}\n${tails}`);
  };

  try {
    const nodeName = (await run('hostname', ['-s'], env).catch(() => os.hostname())).trim().split('.')[0] || 'localhost';
    const hw = await probeHardware(env);
    const [ctldPort, slurmdPort] = await freePorts();

    // MUNGE: its own 1 KiB random key (0400, as munged insists), socket, pid and seed file. In the foreground
    // (-F) munged logs to stderr, not --log-file, so stderr goes to the log file. --force: run even where a
    // permission check on a folder above the temp dir would otherwise refuse.
    await fsp.writeFile(munge.key, randomBytes(1024), { mode: 0o400 });
    const munged = launch('munged', 'munged', ['-F', '--force', `--socket=${munge.socket}`, `--key-file=${munge.key}`, `--pid-file=${munge.pid}`, `--seed-file=${munge.seed}`, `--log-file=${munge.log}`], munge.log, slurmFreeEnv());
    if (!(await waitFor(() => fs.existsSync(munge.socket) || munged.exited, 10_000)) || munged.exited) await fail(`munged did not create its socket ${munge.socket}`);

    await fsp.writeFile(
      confPath,
      slurmConf({ nodeName, ctldPort, slurmdPort, hw, root, dirs, logs, mungeSocket: munge.socket, jobCompFile }),
    );
    await fsp.writeFile(path.join(root, 'plugstack.conf'), '');

    const ctld = launch('slurmctld', 'slurmctld', ['-D', '-f', confPath], logs.ctldOut, env);
    const ctldUp = await waitFor(async () => ctld.exited || /\bUP\b/.test(await run('scontrol', ['ping'], env).catch(() => '')), 15_000);
    if (!ctldUp || ctld.exited) await fail('slurmctld did not answer `scontrol ping`');

    const slurmd = launch('slurmd', 'slurmd', ['-D', '-f', confPath, '-N', nodeName], logs.slurmdOut, env);
    let lastResume = 0;
    let lastState = '';
    const idle = await waitFor(async () => {
      if (slurmd.exited || ctld.exited) return true;
      lastState = (await run('sinfo', ['-h', '-n', nodeName, '-o', '%T'], env).catch(() => '')).trim();
      if (lastState === 'idle') return true;
      // A node that registered but came up down or drained (a leftover reason, a timing blip) is put back once in a while.
      if (/down|drain/.test(lastState) && !lastState.endsWith('*') && Date.now() - lastResume > 2_000) {
        lastResume = Date.now();
        await run('scontrol', ['update', `nodename=${nodeName}`, 'state=resume'], env).catch(() => '');
      }
      return false;
    }, STARTUP_TIMEOUT_MS);
    if (slurmd.exited || ctld.exited) await fail(`${slurmd.exited ? 'slurmd' : 'slurmctld'} exited`);
    if (!idle) await fail(`node ${nodeName} is '${lastState || 'unknown'}', not idle, after ${STARTUP_TIMEOUT_MS / 1000} s`);

    return { env, nodeName, partition: PARTITION, cpus: hw.cpus, sharedDir: dirs.shared, root, confPath, jobCompFile, logTails, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

interface Hardware {
  cpus: number;
  realMemoryMb: number;
  /** Boards/SocketsPerBoard/CoresPerSocket/ThreadsPerCore as slurmd -C reports them (empty when it could not). */
  topology: string;
}

/** What slurmd -C reports, or Node's view when it can't; memory is half of it, well under what the node has. */
async function probeHardware(env: NodeJS.ProcessEnv): Promise<Hardware> {
  const out = await run('slurmd', ['-C'], env).catch(() => '');
  const field = (k: string) => /^\d+$/.exec(new RegExp(`\\b${k}=(\\S+)`).exec(out)?.[1] ?? '')?.[0];
  const cpus = Number(field('CPUs') ?? 0) || os.availableParallelism();
  const memMb = Number(field('RealMemory') ?? 0) || Math.floor(os.totalmem() / 2 ** 20);
  const topo = ['Boards', 'SocketsPerBoard', 'CoresPerSocket', 'ThreadsPerCore'].map((k) => [k, field(k)] as const);
  const product = topo.slice(0, 3).reduce((n, [, v]) => n * Number(v ?? 0), 1) * Number(topo[3]![1] ?? 0);
  const topology = product === cpus ? topo.map(([k, v]) => `${k}=${v}`).join(' ') : '';
  return { cpus, realMemoryMb: Math.max(256, Math.floor(memMb / 2)), topology };
}

function slurmConf(o: {
  nodeName: string;
  ctldPort: number;
  slurmdPort: number;
  hw: Hardware;
  root: string;
  dirs: { state: string; spool: string; log: string };
  logs: { ctld: string; slurmd: string };
  mungeSocket: string;
  jobCompFile: string;
}): string {
  return `# A throwaway single-node cluster for Lathe's tests (slurm.test-support.ts); everything lives in ${o.root}.
ClusterName=lathe-test
SlurmctldHost=${o.nodeName}(127.0.0.1)
SlurmctldPort=${o.ctldPort}
SlurmdPort=${o.slurmdPort}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${o.mungeSocket}
StateSaveLocation=${o.dirs.state}
SlurmdSpoolDir=${o.dirs.spool}
SlurmctldPidFile=${path.join(o.root, 'slurmctld.pid')}
SlurmdPidFile=${path.join(o.root, 'slurmd.pid')}
SlurmctldLogFile=${o.logs.ctld}
SlurmdLogFile=${o.logs.slurmd}
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=${path.join(o.root, 'plugstack.conf')}
# No cgroups, no systemd: processes are tracked through /proc, tasks are not bound.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${o.jobCompFile}
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
# CPUs are the consumable: several 1-CPU jobs share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=30
SlurmctldTimeout=30
InactiveLimit=0
KillWait=5
# Finished jobs stay visible to scontrol show job for 5 minutes.
MinJobAge=300
MailProg=/bin/true
NodeName=${o.nodeName} NodeAddr=127.0.0.1 CPUs=${o.hw.cpus}${o.hw.topology ? ` ${o.hw.topology}` : ''} RealMemory=${o.hw.realMemoryMb} State=UNKNOWN
PartitionName=${PARTITION} Nodes=${o.nodeName} Default=YES MaxTime=INFINITE State=UP
`;
}

/** The process env without any Slurm client settings it may carry (a test run inside a Slurm job, say). */
function slurmFreeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(SLURM|SBATCH|SRUN|SALLOC|SQUEUE|SINFO|SCANCEL|SACCT|SCONTROL)_/.test(k)) env[k] = v;
  return env;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}${stderr ? `\n${stderr}` : ''}`));
      else resolve(stdout);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(everyMs);
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
async function terminate(child: { proc: ChildProcess; exited: boolean }): Promise<void> {
  if (child.exited) return;
  const gone = new Promise<void>((r) => child.proc.once('exit', () => r()));
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
}

/** Two distinct ports free right now (held open together, so the kernel can't hand out the same one twice). */
async function freePorts(): Promise<[number, number]> {
  const servers = [net.createServer(), net.createServer()];
  const listen = (s: net.Server) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    });
  try {
    return [await listen(servers[0]!), await listen(servers[1]!)];
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
  }
}

/** SIGKILL every process whose environment names this cluster's slurm.conf (slurmstepd, job scripts, srun, tasks). */
function killStrays(confPath: string): void {
  const marker = Buffer.from(`SLURM_CONF=${confPath}\0`);
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`).includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already, or not ours to read
    }
  }
}
