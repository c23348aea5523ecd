import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ModelInspection, ModelSummary } from '../../shared/contract/features/models.js';
import type { EngineContext } from '../context.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { requireDb } from '../require-db.js';
import { refuseCustomCode } from './hf-folder.js';
import { hashModelFiles } from './model-hash.js';
import { inspectModelPath } from './model-inspect.js';
import { formatBytes, runModelJob } from './model-job.js';
import { toModelSummary } from './model-rows.js';

export interface ImportModelArgs {
  path: string;
  name?: string | undefined;
  copy: boolean;
  parentId?: string | undefined;
  runId?: string | undefined;
  jobId?: string | undefined;
}

/**
 * Import = inspect (headers validated, pickles and model-supplied code refused) → hash with progress (copying in the same pass when
 * asked) → one row + one audit entry. A cancelled or failed copy is removed; the registry is only written at
 * the end, so a failure leaves nothing behind.
 */
export async function importModel(ctx: EngineContext, args: ImportModelArgs): Promise<{ model: ModelSummary; alreadyRegistered: boolean }> {
  const { db, audit } = requireDb(ctx);
  const q = modelQueries(db);
  const inspection = inspectModelPath(args.path);
  if (args.parentId && !q.get(args.parentId)) throw new LatheError('NOT_FOUND', `No model ${args.parentId} to use as the parent.`, 'Pick a registered model as the parent, or leave it empty.');
  const id = randomUUID();
  const isFolder = inspection.format !== 'gguf';
  const copyDir = args.copy ? path.join(ctx.dataDir, 'models', id) : null;
  return runModelJob<{ model: ModelSummary; alreadyRegistered: boolean }>(ctx, { jobId: args.jobId, kind: 'model.import', label: `Import ${inspection.name}` }, async (report, signal) => {
    let hashed;
    try {
      hashed = await hashModelFiles(inspection.path, isFolder ? inspection.files : null, {
        signal,
        copyTo: copyDir ?? undefined,
        onProgress: (p) => report(p.totalBytes ? p.bytes / p.totalBytes : null, `Hashing ${p.file} · ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}`),
      });
      // Again after the (possibly long) hash: the folder may have changed since it was inspected. A copy holds
      // only known files, so what is checked is what gets registered.
      if (isFolder) refuseCustomCode(copyDir ?? inspection.path, 'Nothing was imported.');
    } catch (err) {
      if (copyDir) fs.rmSync(copyDir, { recursive: true, force: true });
      throw err;
    }
    const existing = q.findBySha(hashed.sha256, inspection.kind);
    if (existing) {
      if (copyDir) fs.rmSync(copyDir, { recursive: true, force: true });
      return { result: { model: toModelSummary(existing), alreadyRegistered: true }, message: `Already registered as ${existing.name}` };
    }
    const storedPath = copyDir ? (isFolder ? copyDir : path.join(copyDir, path.basename(inspection.path))) : inspection.path;
    const row = rowFromInspection(inspection, {
      id, name: args.name ?? inspection.name, path: storedPath, sha256: hashed.sha256, sizeBytes: hashed.sizeBytes,
      parentId: args.parentId ?? null, runId: args.runId ?? null, copied: Boolean(copyDir), actor: ctx.actor,
      extraDetails: { files: hashed.files, importedFrom: inspection.path, warnings: inspection.warnings },
    });
    const entry = db.transaction(() => {
      q.insert(row);
      return audit.append({
        actor: ctx.actor, action: 'model.import', objectType: 'model', objectId: id,
        details: { name: row.name, kind: row.kind, format: row.format, sha256: row.sha256, path: row.path, copied: row.copied === 1, parentId: row.parent_id },
      });
    })();
    ctx.events.emit('audit.appended', entry);
    return { result: { model: toModelSummary(row), alreadyRegistered: false }, message: `Registered ${row.name} (sha256 ${row.sha256.slice(0, 12)})` };
  });
}

export function rowFromInspection(
  i: ModelInspection,
  o: { id: string; name: string; path: string; sha256: string; sizeBytes: number; parentId: string | null; runId: string | null; copied: boolean; actor: string; extraDetails?: Record<string, unknown> },
): ModelRow {
  return {
    id: o.id, name: o.name, kind: i.kind, format: i.format, path: o.path, sha256: o.sha256, size_bytes: o.sizeBytes,
    architecture: i.architecture, parameters: i.parameters, context_length: i.contextLength, quantization: i.quantization,
    chat_template: i.chatTemplate, license: i.license, details: JSON.stringify({ ...i.details, ...o.extraDetails }),
    parent_id: o.parentId, run_id: o.runId, copied: o.copied ? 1 : 0, created_at: new Date().toISOString(), created_by: o.actor,
  };
}
