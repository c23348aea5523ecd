import type { ExportFormat, ExportSummary } from '../../shared/contract/features/exports.js';
import type { ReleaseRow } from '../db/queries/evals.js';
import type { ExportFileRow, ExportRow } from '../db/queries/exports.js';

export function toExportSummary(r: ExportRow, files: ExportFileRow[], release?: ReleaseRow): ExportSummary {
  return {
    id: r.id,
    name: r.name,
    modelId: r.model_id,
    baseModelId: r.base_model_id,
    runId: r.run_id,
    path: r.path,
    formats: JSON.parse(r.formats) as ExportFormat[],
    status: r.status,
    releaseState: release && r.status === 'draft' ? release.decision : 'draft',
    release: release ? { id: release.id, file: release.artefact_path, decision: release.decision, reviewer: release.reviewer, reason: release.reason, at: release.created_at } : null,
    manifestSha256: r.manifest_sha256,
    verification: JSON.parse(r.verification) as Record<string, unknown>,
    error: r.error,
    files: files.map((f) => ({ path: f.path, format: f.format, quant: f.quant, sha256: f.sha256, bytes: f.bytes })),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    createdBy: r.created_by,
  };
}
