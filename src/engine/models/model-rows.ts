import type { ModelSummary } from '../../shared/contract/features/models.js';
import type { ModelRow } from '../db/queries/models.js';

export function toModelSummary(r: ModelRow): ModelSummary {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    format: r.format,
    path: r.path,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    architecture: r.architecture,
    parameters: r.parameters,
    contextLength: r.context_length,
    quantization: r.quantization,
    chatTemplate: r.chat_template,
    license: r.license,
    details: JSON.parse(r.details) as Record<string, unknown>,
    parentId: r.parent_id,
    runId: r.run_id,
    copied: r.copied === 1,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}
