import { useEffect, useState, type FormEvent } from 'react';
import type { ArgsOf, ComputeTarget, LatheErrorData } from '../../../src/shared/contract/index.js';
import { Alert, ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Choice } from '../../components/Choice.js';
import { PlugIcon, RefreshIcon, XIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { formatRelative } from '../../lib/format.js';
import { asErrorData } from '../../stores/errors.js';
import { useCan } from '../../stores/session.js';
import { toastError, useToasts } from '../../stores/toasts.js';
import { RoleNote } from '../auth/RoleNote.js';
import { pages } from '../shell/pages.js';
import { useTargets } from './targets-store.js';
import { TARGET_KIND_LABEL, targetHealth, targetLoad } from './target-view.js';
import '../../styles/targets.css';

/** `#/compute`: where runs can train — this machine, GPU servers over SSH, Slurm clusters — and whether each answers. */
export function ComputePage() {
  const { targets, status, error, load } = useTargets();
  const isAdmin = useCan('admin');
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <>
      <PageHeader {...pages.compute} />
      {error && <ErrorAlert title="The compute targets could not be loaded" error={error} />}
      <div className="compute-list" data-testid="compute-list" aria-busy={status === 'loading'}>
        {targets.map((t) => (
          <TargetRow key={t.name} target={t} />
        ))}
      </div>
      {isAdmin ? <AddTarget /> : <RoleNote needs="admin" testId="compute-role-note" />}
    </>
  );
}

function TargetRow({ target: t }: { target: ComputeTarget }) {
  const canTest = useCan('train');
  const isAdmin = useCan('admin');
  const testing = useTargets((s) => s.testing[t.name] ?? false);
  const { test, remove } = useTargets.getState();
  const health = targetHealth(t);
  const load = targetLoad(t);
  const job = t.slurm?.job;
  const facts = [
    t.lastTest ? `tested ${formatRelative(t.lastTest.at)}` : null,
    t.lastTest?.ok && t.lastTest.python ? `Python ${t.lastTest.python}` : null,
    job ? [job.partition ? `partition ${job.partition}` : 'default partition', job.nodes > 1 ? `${job.nodes} nodes` : null, `${job.gpusPerNode} GPU${job.gpusPerNode === 1 ? '' : 's'}${job.nodes > 1 ? ' each' : ''}`, `${job.cpusPerTask} CPU${job.cpusPerTask === 1 ? '' : 's'}`, job.timeLimit ? `time ${job.timeLimit}` : null].filter(Boolean).join(' · ') : null,
    t.ssh?.workDir ?? t.slurm?.workDir ?? null,
    load,
  ].filter(Boolean);
  return (
    <section className="compute-row" data-testid={`compute-target-${t.name}`} aria-labelledby={`compute-${t.name}-title`}>
      <div>
        <h2 className="compute-row-title" id={`compute-${t.name}-title`}>
          {t.kind === 'local' ? 'This machine' : t.name}
          {t.kind !== 'local' && <span className="compute-row-kind">{TARGET_KIND_LABEL[t.kind]}</span>}
        </h2>
        {t.kind !== 'local' && <p className="compute-row-address">{t.address}</p>}
        <span className={`target-health is-${health.tone}`} data-testid={`compute-health-${t.name}`}>
          {testing ? 'Testing: connecting, installing the trainer, asking for its GPUs…' : health.text}
        </span>
        {t.lastTest && !t.lastTest.ok && t.lastTest.hint && <p className="field-hint">{t.lastTest.hint}</p>}
        {facts.length > 0 && (
          <p className="compute-row-facts">
            {facts.map((f) => (
              <span key={f}>{f}</span>
            ))}
          </p>
        )}
      </div>
      {t.kind !== 'local' && (
        <div className="compute-row-actions">
          {canTest && (
            <Button size="sm" icon={RefreshIcon} busy={testing} data-testid={`compute-test-${t.name}`} onClick={() => void test(t.name).catch((err: unknown) => toastError(`Testing ${t.name} failed`, err))}>
              Test
            </Button>
          )}
          {isAdmin && (
            <Button
              size="sm"
              variant="ghost"
              icon={XIcon}
              data-testid={`compute-remove-${t.name}`}
              disabled={t.running + t.queued > 0}
              title={t.running + t.queued > 0 ? 'It has running or queued runs' : `Forget ${t.name}; its runs keep their record`}
              onClick={() => void remove(t.name).catch((err: unknown) => toastError(`${t.name} was not removed`, err))}
            >
              Remove
            </Button>
          )}
        </div>
      )}
    </section>
  );
}

type Kind = 'ssh' | 'slurm+ssh' | 'slurm';
const KIND_OPTIONS: Array<{ value: Kind; label: string; note: string }> = [
  { value: 'ssh', label: 'GPU server', note: 'A machine you reach with ssh: the trainer runs there, detached, and Lathe follows it.' },
  { value: 'slurm+ssh', label: 'Slurm via login node', note: 'A cluster: Lathe submits with sbatch through its login node and follows the job on the shared filesystem.' },
  { value: 'slurm', label: 'Slurm on this machine', note: 'This machine has Slurm\'s commands (sbatch, squeue) and the cluster\'s shared filesystem.' },
];
const EMPTY = { name: '', userHost: '', python: '', workDir: '', identityFile: '', partition: '', nodes: '1', gpusPerNode: '0', cpusPerTask: '4', timeLimit: '', maxRuns: '1' };

/** An administrator adds a target; the connection is tested right after, so a typo shows at once. */
function AddTarget() {
  const [kind, setKind] = useState<Kind>('ssh');
  const [f, setF] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const set = (patch: Partial<typeof EMPTY>) => setF((x) => ({ ...x, ...patch }));
  const slurm = kind !== 'ssh';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const args: ArgsOf<'targets.add'> = {
      name: f.name.trim(),
      url: kind === 'slurm' ? 'slurm://' : `${kind}://${f.userHost.trim()}`,
      python: f.python.trim(),
      workDir: f.workDir.trim(),
      ...(f.identityFile.trim() ? { identityFile: f.identityFile.trim() } : {}),
      ...(slurm ? { slurm: { ...(f.partition.trim() ? { partition: f.partition.trim() } : {}), nodes: Number(f.nodes) || 1, gpusPerNode: Number(f.gpusPerNode) || 0, cpusPerTask: Number(f.cpusPerTask) || 1, ...(f.timeLimit.trim() ? { timeLimit: f.timeLimit.trim() } : {}) }, maxRuns: Number(f.maxRuns) || 1 } : {}),
    };
    try {
      const added = await useTargets.getState().add(args);
      setF(EMPTY);
      const result = await useTargets.getState().test(added.name);
      useToasts.getState().push({ tone: result.ok ? 'success' : 'error', title: `${added.name} ${result.ok ? 'is ready' : 'was saved, but its test failed'}`, message: result.message, hint: result.hint || null });
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (key: keyof typeof EMPTY, label: string, hint: string, placeholder = '') => (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="text-input">
        <input data-testid={`compute-add-${key}`} value={f[key]} placeholder={placeholder} onChange={(e) => set({ [key]: e.target.value })} />
      </span>
      <span className="field-hint">{hint}</span>
    </label>
  );

  return (
    <form className="compute-add" onSubmit={(e) => void submit(e)} data-testid="compute-add">
      <h2 className="train-section-title">Add a compute target</h2>
      <Alert tone="info" title="Your own SSH keys, no passwords">
        <p>
          Lathe runs your <code>ssh</code> and <code>rsync</code> with your keys or SSH agent, in batch mode: it never asks for or stores a password. The target needs a
          Python environment with torch, transformers and peft (the offline bundle&apos;s); Lathe copies its trainer there itself.
        </p>
      </Alert>
      <Choice<Kind> label="Kind" testId="compute-add-kind" value={kind} onChange={setKind} options={KIND_OPTIONS} />
      <div className="compute-add-grid">
        {field('name', 'Name', 'Lower-case, as you will pick it on the Train page.', 'gpu-01')}
        {kind !== 'slurm' && field('userHost', kind === 'ssh' ? 'User and host' : 'User and login node', 'user@host, or user@host:port.', 'ana@gpu-01.lab')}
        {field('python', 'Python there', 'The environment with torch, transformers and peft.', '/opt/lathe/venv/bin/python')}
        {field('workDir', 'Work folder there', slurm ? 'On the shared filesystem every node sees.' : 'Lathe keeps its trainer, models and runs here.', '/scratch/lathe')}
        {kind !== 'slurm' && field('identityFile', 'Key file (optional)', 'Empty: your SSH agent and ~/.ssh defaults.', '~/.ssh/id_ed25519')}
        {slurm && field('partition', 'Partition (optional)', "Empty: the cluster's default partition.", 'a100')}
        {slurm && field('nodes', 'Nodes per run', 'More than one: torchrun on every node, joined by its c10d rendezvous.')}
        {slurm && field('gpusPerNode', 'GPUs per node', '--gres=gpu:N, one trainer process each; 0 for CPU-only jobs.')}
        {slurm && field('cpusPerTask', 'CPUs per node', '--cpus-per-task.')}
        {slurm && field('timeLimit', 'Time limit (optional)', 'e.g. 12:00:00; Slurm sends a stop two minutes before, so a checkpoint is saved.', '12:00:00')}
        {slurm && field('maxRuns', 'Runs at once', 'Runs Lathe hands the cluster together, each its own job; more wait in Lathe\'s queue.')}
      </div>
      {error && <ErrorAlert title="The target was not added" error={error} />}
      <div className="train-actions">
        <Button type="submit" variant="primary" icon={PlugIcon} busy={busy} disabled={!f.name.trim() || !f.python.trim() || !f.workDir.trim() || (kind !== 'slurm' && !f.userHost.trim())} data-testid="compute-add-submit">
          Add and test
        </Button>
      </div>
    </form>
  );
}
