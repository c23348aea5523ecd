import type { ReactNode } from 'react';
import { ActivityIcon, CpuIcon, DatabaseIcon, FlameIcon, HardDriveIcon, LayersIcon, MemoryIcon, StethoscopeIcon, type IconComponent } from '../../components/icons.js';
import { formatBytes } from '../../lib/format.js';
import { useConnection } from '../../stores/connection.js';
import { useEngine } from '../../stores/engine.js';
import { runningJobs, useJobs } from '../../stores/jobs.js';

interface ItemProps {
  icon: IconComponent;
  label: string;
  children: ReactNode;
  tone?: 'danger' | 'warn' | undefined;
  testId?: string;
  className?: string;
}

function Item({ icon: Icon, label, children, tone, testId, className }: ItemProps) {
  return (
    <span className={['status-item', tone ? `is-${tone}` : '', className ?? ''].filter(Boolean).join(' ')} title={label} data-testid={testId}>
      <Icon size={13} />
      <span className="status-item-text">{children}</span>
    </span>
  );
}

const connectionLabel = { open: 'Connected', connecting: 'Connecting…', lost: 'Reconnecting…' } as const;

/** "2 jobs running · 45%" (the mean of the bars that know their length); a click opens the jobs drawer. */
function JobsIndicator() {
  const jobs = useJobs((s) => s.jobs);
  const openDrawer = useJobs((s) => s.setDrawerOpen);
  const running = runningJobs(jobs);
  const known = running.filter((j) => j.fraction !== null);
  const pct = known.length ? Math.round((100 * known.reduce((sum, j) => sum + j.fraction!, 0)) / known.length) : null;
  const text = running.length ? `${running.length} ${running.length === 1 ? 'job' : 'jobs'} running${pct !== null ? ` · ${pct}%` : ''}` : 'Jobs';
  return (
    <button
      type="button"
      className={`status-jobs${running.length ? ' is-active' : ''}`}
      onClick={() => openDrawer(true)}
      aria-haspopup="dialog"
      title="Running and recently finished jobs"
      data-testid="status-jobs"
    >
      {running.length ? <span className="status-jobs-spinner" aria-hidden="true" /> : <ActivityIcon size={13} />}
      <span className="status-item-text">{text}</span>
      {pct !== null && (
        <span className="status-jobs-meter" aria-hidden="true">
          <span style={{ width: `${pct}%` }} />
        </span>
      )}
    </button>
  );
}

/** What the doctor found, at a glance; a click opens the full report. */
export function StatusBar({ onOpenDoctor }: { onOpenDoctor(): void }) {
  const doctor = useEngine((s) => s.doctor);
  const doctorLoading = useEngine((s) => s.doctorLoading);
  const info = useEngine((s) => s.info);
  const status = useConnection((s) => s.status);
  const summary = doctor?.summary;
  const problems = doctor?.checks.filter((c) => c.status !== 'ok').length ?? 0;
  const failing = doctor?.checks.some((c) => c.status === 'fail') ?? false;
  const pending = doctorLoading && !doctor ? 'Checking…' : '—';

  return (
    <footer className="status-bar">
      {/* Named by its own visible text after a hidden lead-in, so what a speech user reads off the bar is in the name (WCAG 2.5.3). */}
      <button type="button" className="status-bar-button" onClick={onOpenDoctor} data-testid="status-bar">
        <span className="visually-hidden">Open the doctor report: </span>
        <span className={`status-item status-connection is-${status}`} data-testid="status-connection" title="Connection to the engine">
          <span className="status-dot" aria-hidden="true" />
          <span className="status-item-text">{connectionLabel[status]}</span>
        </span>
        <span className="status-sep" aria-hidden="true" />
        <Item icon={CpuIcon} label="Compute device" testId="status-device">
          {summary?.device ?? pending}
        </Item>
        {summary?.vramBytes != null && (
          <Item icon={MemoryIcon} label="GPU memory" testId="status-vram">
            {formatBytes(summary.vramBytes)} VRAM
          </Item>
        )}
        <Item icon={LayersIcon} label="llama.cpp backend" testId="status-llama">
          llama.cpp {summary?.llamaBackend ?? pending}
        </Item>
        <Item icon={FlameIcon} label="PyTorch" testId="status-torch" tone={summary && !summary.torch ? 'warn' : undefined}>
          {summary ? (summary.torch ? `torch ${summary.torch}` : 'no torch') : `torch ${pending}`}
        </Item>
        <Item icon={HardDriveIcon} label="Free disk space in the data directory" testId="status-disk">
          {summary?.freeDiskBytes != null ? `${formatBytes(summary.freeDiskBytes)} free` : pending}
        </Item>

        <span className="status-spacer" />

        {info && (
          <Item
            icon={DatabaseIcon}
            label={info.dbWritable ? `Database ${info.dbPath}` : `Database read-only: ${info.dbProblem ?? 'integrity check failed'}`}
            className="status-database"
            tone={info.dbWritable ? undefined : 'danger'}
            testId="status-database"
          >
            {info.dbWritable ? 'Database OK' : `Database read-only: ${info.dbProblem ?? 'integrity check failed'}`}
          </Item>
        )}
        <span className={`status-item status-doctor${failing ? ' is-danger' : problems ? ' is-warn' : ''}`}>
          <StethoscopeIcon size={13} />
          <span className="status-item-text">{problems ? `${problems} to review` : 'Doctor'}</span>
        </span>
      </button>
      <JobsIndicator />
    </footer>
  );
}
