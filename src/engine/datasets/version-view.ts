import type { DatasetVersion } from '../../shared/contract/features/datasets.js';
import type { VersionRow } from '../db/queries/datasets.js';

/** A version row as the contract shows it (same shape datasets.versions returns). */
export function toVersion(v: VersionRow): DatasetVersion {
  return {
    id: v.id,
    number: v.number,
    parentId: v.parent_id,
    contentHash: v.content_hash,
    exampleCount: v.example_count,
    operation: v.operation,
    params: JSON.parse(v.params) as Record<string, unknown>,
    createdAt: v.created_at,
    createdBy: v.created_by,
  };
}
