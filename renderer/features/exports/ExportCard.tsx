import { useState } from 'react';
import { describeGgufChecks, type ExportSummary } from '../../../src/shared/contract/index.js';
import { formatBytes, formatRelative, shortHash } from '../../lib/format.js';
import { ReleaseReportButtons } from '../evals/ReleaseReportButtons.js';
import { fileKind } from './file-kind.js';
import { canDownload, downloadExportFile, showExportFolder } from './exports-store.js';
import { Button } from '../../components/Button.js';
import { DownloadIcon, FolderIcon } from '../../components/icons.js';
import { toastError } from '../../stores/toasts.js';

const RELEASE_LABEL = { draft: 'Draft', released: 'Released', overridden: 'Released · override' } as const;

/** One export folder: release state (draft until a release decision names one of its files), path, every file with its sha256, verification. */
export function ExportCard({ exp }: { exp: ExportSummary }) {
  const merged = exp.verification.merged as { maxAbsDiff?: number; tolerance?: number; passed?: boolean; dtype?: string; roundingMaxAbsDiff?: number } | undefined;
  const ggufs = describeGgufChecks(exp.verification);
  return (
    <article className="export-card" data-testid="export-card" data-status={exp.status} data-release={exp.releaseState}>
      <div className="export-card-head">
        <h3>{exp.name}</h3>
        <a className="export-lineage" href={`#/lineage/export/${encodeURIComponent(exp.id)}`} data-testid="export-lineage">Lineage</a>
        {exp.status === 'draft' ? (
          <span className={`kind-badge is-${exp.releaseState}`} data-testid="export-status" title={exp.releaseState === 'draft' ? 'Not released: no release decision names a file of this export yet.' : undefined}>
            {RELEASE_LABEL[exp.releaseState]}
          </span>
        ) : (
          <span className={`kind-badge is-${exp.status}`} data-testid="export-status">{exp.status}</span>
        )}
        <span className="cell-muted">{formatRelative(exp.createdAt)}</span>
      </div>
      <div className="export-path-row">
        <div className="path mono" title={exp.path}>{exp.path}</div>
        {!canDownload && exp.status !== 'running' && <ShowFolderButton exportId={exp.id} />}
      </div>
      {exp.error && <p className="field-hint">{exp.error}</p>}
      {exp.release && (
        <p className="export-release" data-testid="export-release">
          {exp.release.decision === 'released' ? 'Passed the release gate' : `Released against the gate by ${exp.release.reviewer ?? 'a reviewer'}: “${exp.release.reason ?? ''}”`}
          {exp.release.file ? ` — ships ${exp.release.file}` : ''} · {formatRelative(exp.release.at)}
          <ReleaseReportButtons releaseId={exp.release.id} />
        </p>
      )}
      {exp.files.length > 0 && (
        <table className="export-files" data-testid="export-files">
          <tbody>
            {exp.files.map((f) => (
              <tr key={f.path}>
                <td className="mono">
                  {f.path}
                  {exp.release?.file === f.path && <span className="kind-badge is-released export-file-released">ships</span>}
                </td>
                <td className="cell-muted">{fileKind(f)}</td>
                <td className="num">{formatBytes(f.bytes)}</td>
                <td><code title={f.sha256}>{shortHash(f.sha256, 16)}</code></td>
                {canDownload && <td className="export-file-action"><DownloadFileButton exportId={exp.id} file={f.path} /></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(merged || ggufs.length > 0) && (
        <div className="export-verify">
          {merged && (
            <div data-testid="export-merged-check">
              Merged logits vs base+adapter: max |Δ| {merged.maxAbsDiff?.toExponential(1)} (tolerance {merged.tolerance}) {merged.passed ? '✓' : '✗'}
              {merged.dtype && merged.dtype !== 'float32' && merged.roundingMaxAbsDiff !== undefined && ` · saved as ${merged.dtype}, which moves logits by up to ${merged.roundingMaxAbsDiff.toExponential(1)}`}
            </div>
          )}
          {ggufs.map((line) => <div key={line} data-testid="export-gguf-check">GGUF vs source model — {line}</div>)}
          {exp.manifestSha256 && (
            <div className="export-manifest">
              SHA256SUMS <code>{shortHash(exp.manifestSha256, 16)}</code>
              {canDownload && <DownloadFileButton exportId={exp.id} file="SHA256SUMS" />}
            </div>
          )}
        </div>
      )}
    </article>
  );
}


/** Downloads one file of the export to the browser's machine (audited as export.download). */
function DownloadFileButton({ exportId, file }: { exportId: string; file: string }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      await downloadExportFile(exportId, file);
    } catch (err) {
      toastError(`Could not download ${file}`, err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button variant="ghost" size="sm" icon={DownloadIcon} busy={busy} onClick={() => void download()} aria-label={`Download ${file}`} title={`Download ${file}`} className="export-download" data-testid="export-download" />
  );
}

/** The desktop app: opens the export folder in the file manager. */
function ShowFolderButton({ exportId }: { exportId: string }) {
  const show = () => showExportFolder(exportId).catch((err: unknown) => toastError('Could not open the folder', err));
  return (
    <Button variant="ghost" size="sm" icon={FolderIcon} onClick={() => void show()} data-testid="export-show-folder">
      Show folder
    </Button>
  );
}
