import { LatheError } from '../../shared/contract/errors.js';
import type { ComputeTarget, TargetTest } from '../../shared/contract/index.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';

const USAGE =
  'lathe targets list [--json] | add NAME URL --python REMOTE_PYTHON --work-dir REMOTE_DIR [--identity KEY_FILE] [--ssh-option Name=value]…\n' +
  '      [Slurm: --partition P --account A --nodes N --gpus-per-node N --cpus-per-task N --mem 64G --time 12:00:00 --sbatch=--opt=value… --slurm-conf FILE --max-runs N]\n' +
  '  | test NAME | remove NAME   [--data-dir DIR]\n' +
  '  URL: ssh://user@host[:port] (a GPU server), slurm:// (Slurm on this machine), slurm+ssh://user@login-node[:port].\n' +
  '  Lathe uses your own SSH key or agent and never stores a password. REMOTE_PYTHON is an environment there with torch,\n' +
  '  transformers and peft; Lathe copies its trainer into REMOTE_DIR (on a Slurm cluster: a shared filesystem). Then: lathe train … --target NAME';

/** Compute targets: where runs can train besides this machine. */
export async function targetsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      json: { type: 'boolean' }, python: { type: 'string' }, 'work-dir': { type: 'string' }, identity: { type: 'string' }, 'ssh-option': { type: 'string', multiple: true }, 'data-dir': { type: 'string' },
      partition: { type: 'string' }, account: { type: 'string' }, nodes: { type: 'string' }, 'gpus-per-node': { type: 'string' }, 'cpus-per-task': { type: 'string' }, mem: { type: 'string' }, time: { type: 'string' },
      sbatch: { type: 'string', multiple: true }, 'slurm-conf': { type: 'string' }, 'max-runs': { type: 'string' },
    },
    USAGE,
  );
  const [verb, name, url] = positionals;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (!verb || !['list', 'add', 'test', 'remove'].includes(verb)) throw new LatheError('INVALID_ARGUMENTS', `Unknown targets command "${verb ?? ''}".`, `Usage: ${USAGE}`);
  if (verb !== 'list' && !name) throw new LatheError('INVALID_ARGUMENTS', `lathe targets ${verb} needs the target's name.`, `Usage: ${USAGE}`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    switch (verb) {
      case 'list': {
        const { targets } = await engine.call('targets.list', {});
        out(values.json ? JSON.stringify(targets, null, 2) : targets.map(row).join('\n'));
        if (!values.json && targets.length === 1) out('\nNo compute targets yet. Add a GPU server: lathe targets add NAME ssh://user@host --python /path/to/python --work-dir /path/on/server');
        return 0;
      }
      case 'add': {
        if (!url) throw new LatheError('INVALID_ARGUMENTS', 'Give the address: lathe targets add NAME ssh://user@host[:port].', `Usage: ${USAGE}`);
        if (!values.python || !values['work-dir']) throw new LatheError('INVALID_ARGUMENTS', 'Give --python (the Python with torch on the target) and --work-dir (Lathe\'s folder there).', `Usage: ${USAGE}`);
        const job = {
          ...(values.partition ? { partition: values.partition } : {}), ...(values.account ? { account: values.account } : {}),
          ...(values.nodes ? { nodes: intFlag(values.nodes, 'nodes', 1) } : {}),
          ...(values['gpus-per-node'] ? { gpusPerNode: intFlag(values['gpus-per-node'], 'gpus-per-node', 0) } : {}),
          ...(values['cpus-per-task'] ? { cpusPerTask: intFlag(values['cpus-per-task'], 'cpus-per-task', 1) } : {}),
          ...(values.mem ? { memory: values.mem } : {}), ...(values.time ? { timeLimit: values.time } : {}), ...(values.sbatch ? { extraSbatch: values.sbatch } : {}),
        };
        const t = await engine.call('targets.add', {
          name: name!, url, python: values.python, workDir: values['work-dir'],
          ...(values.identity ? { identityFile: values.identity } : {}), sshOptions: values['ssh-option'] ?? [],
          ...(Object.keys(job).length ? { slurm: job } : {}), ...(values['slurm-conf'] ? { slurmConf: values['slurm-conf'] } : {}),
          ...(values['max-runs'] ? { maxRuns: intFlag(values['max-runs'], 'max-runs', 1) } : {}),
        });
        out(`Saved target ${t.name} (${t.address}). Check it with: lathe targets test ${t.name}`);
        return 0;
      }
      case 'test': {
        out(`Connecting to ${name}, installing Lathe's trainer there and asking it about its Python, torch and GPUs…`);
        const r = await engine.call('targets.test', { name: name! });
        out(testLine(r));
        if (!r.ok && r.hint) out(r.hint);
        return r.ok ? 0 : 1;
      }
      case 'remove': {
        const { removed } = await engine.call('targets.remove', { name: name! });
        if (!removed) throw new LatheError('NOT_FOUND', `There is no target named "${name}".`, 'See `lathe targets list`.');
        out(`Removed target ${name}; runs that trained there keep their record.`);
        return 0;
      }
    }
    return 2;
  } finally {
    await engine.dispose();
  }
}

function row(t: ComputeTarget): string {
  const health = t.kind === 'local' ? '' : t.lastTest ? `${t.lastTest.ok ? 'ok' : 'FAILED'} ${t.lastTest.at.slice(0, 16).replace('T', ' ')}` : 'never tested';
  const gpus = t.lastTest?.ok ? (t.lastTest.queue ?? (t.lastTest.gpus.length ? t.lastTest.gpus.map((g) => g.name).join(', ') : 'CPU only')) : '';
  const runs = t.running || t.queued ? `${t.running} running, ${t.queued} queued` : '';
  return [t.name.padEnd(16), t.address.padEnd(34), health.padEnd(24), gpus, runs].filter((x) => x.trim()).join('  ').trimEnd();
}

function testLine(r: TargetTest): string {
  return `${r.ok ? 'OK' : 'FAILED'} in ${r.seconds.toFixed(1)} s: ${r.message}`;
}
