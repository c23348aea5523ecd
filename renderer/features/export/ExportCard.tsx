import { describeGgufChecks, type ExportSummary } from '../../../src/shared/contract/index.js';
import { formatBytes, formatRelative, shortHash } from '../../lib/format.js';
import { ReleaseReportButtons } from '../evaluate/ReleaseReportButtons.js';
import { fileKind } from './file-kind.js';

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
      <div className="path mono" title={exp.path}>{exp.path}</div>
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
          {exp.manifestSha256 && <div>SHA256SUMS <code>{shortHash(exp.manifestSha256, 16)}</code></div>}
        </div>
      )}
    </article>
  );
}

