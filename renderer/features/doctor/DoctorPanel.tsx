import type { DoctorCheck } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { CommandLine } from '../../components/CommandLine.js';
import { RichText } from '../../components/RichText.js';
import { Drawer } from '../../components/Drawer.js';
import { AlertCircleIcon, AlertTriangleIcon, CheckCircleIcon, RefreshIcon } from '../../components/icons.js';
import { formatBytes, formatRelative } from '../../lib/format.js';
import { useEngine } from '../../stores/engine.js';
import { TrainerEnvSection } from './TrainerEnvSection.js';

const statusIcon = { ok: CheckCircleIcon, warn: AlertTriangleIcon, fail: AlertCircleIcon } as const;
const statusLabel = { ok: 'OK', warn: 'Needs attention', fail: 'Failing' } as const;

function CheckRow({ check }: { check: DoctorCheck }) {
  const Icon = statusIcon[check.status];
  return (
    <li className={`check is-${check.status}`} data-testid={`doctor-check-${check.id}`}>
      <Icon size={16} className="check-icon" aria-label={statusLabel[check.status]} />
      <div className="check-body">
        <div className="check-head">
          <span className="check-label">{check.label}</span>
          <span className="check-value">{check.value}</span>
        </div>
        {check.hint && (
          <p className="check-hint">
            <RichText text={check.hint} />
          </p>
        )}
      </div>
    </li>
  );
}

/** Every check the doctor ran, with what it found and what to do about it. */
export function DoctorPanel({ open, onClose }: { open: boolean; onClose(): void }) {
  const { doctor, doctorError, doctorLoading, info, loadDoctor } = useEngine();
  const order = { fail: 0, warn: 1, ok: 2 } as const;
  const checks = [...(doctor?.checks ?? [])].sort((a, b) => order[a.status] - order[b.status]);

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title="Doctor"
      testId="doctor-panel"
      subtitle={doctor ? `Checked ${formatRelative(doctor.checkedAt)}` : 'What this machine can do'}
      actions={
        <Button size="sm" icon={RefreshIcon} busy={doctorLoading} onClick={() => void loadDoctor(true)}>
          Run again
        </Button>
      }
    >
      {doctorError && <ErrorAlert title="The doctor could not finish" error={doctorError} />}

      {doctor && (
        <dl className="fact-grid">
          <div>
            <dt>Device</dt>
            <dd>{doctor.summary.device}</dd>
          </div>
          <div>
            <dt>VRAM</dt>
            <dd>{doctor.summary.vramBytes != null ? formatBytes(doctor.summary.vramBytes) : '—'}</dd>
          </div>
          <div>
            <dt>llama.cpp</dt>
            <dd>{doctor.summary.llamaBackend}</dd>
          </div>
          <div>
            <dt>torch</dt>
            <dd>{doctor.summary.torch ?? 'not installed'}</dd>
          </div>
          <div>
            <dt>Free disk</dt>
            <dd>{formatBytes(doctor.summary.freeDiskBytes)}</dd>
          </div>
          <div>
            <dt>Database</dt>
            <dd className={info && !info.dbWritable ? 'text-danger' : undefined}>
              {info ? (info.dbWritable ? `OK · schema v${info.dbSchemaVersion}` : 'Read-only') : '—'}
            </dd>
          </div>
        </dl>
      )}

      {info && !info.dbWritable && (
        <ErrorAlert
          title="Database is read-only"
          error={{ code: 'DB_READ_ONLY', message: info.dbProblem ?? 'The start-up integrity check failed.', hint: 'Lathe refuses every change until the database is repaired. Run `lathe doctor` for the steps.' }}
        />
      )}

      {checks.length > 0 ? (
        <ul className="check-list">
          {checks.map((c) => (
            <CheckRow key={c.id} check={c} />
          ))}
        </ul>
      ) : (
        !doctorError && (
          <div className="drawer-loading">
            <span className="spinner" aria-hidden="true" /> Running checks…
          </div>
        )
      )}

      {open && <TrainerEnvSection />}

      {info && (
        <div className="drawer-section">
          <div className="drawer-section-title">Data directory</div>
          <code className="path">{info.dataDir}</code>
        </div>
      )}
      <div className="drawer-section">
        <div className="drawer-section-title">Same report in a terminal</div>
        <CommandLine command="lathe doctor" />
      </div>
    </Drawer>
  );
}
