import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import { evalQueries } from '../db/queries/evals.js';
import { exportQueries, type ExportFileRow } from '../db/queries/exports.js';
import { modelQueries } from '../db/queries/models.js';
import { hashModelFiles } from '../models/model-hash.js';

export interface ArtefactChoice { exportId: string; file?: string | undefined }

export interface ResolvedArtefact {
  exportId: string;
  exportName: string;
  /** The file inside the export folder, e.g. "model-Q4_K_M.gguf". */
  file: string;
  absolutePath: string;
  sha256: string;
  quant: string | null;
  /** The registry model holding exactly these bytes (registered by the export), which evals run on. */
  modelId: string | null;
}

/**
 * The file a release would ship, and the registry model with the same bytes. Only GGUF files can be evaluated
 * here (the inference host runs llama.cpp), so a release binds to a GGUF; with no file named, the export's only
 * GGUF, or the one with the newest finished eval, is taken.
 */
export function resolveArtefact(db: Database.Database, choice: ArtefactChoice): ResolvedArtefact {
  const xq = exportQueries(db);
  const exp = xq.get(choice.exportId);
  if (!exp) throw new LatheError('NOT_FOUND', `There is no export ${choice.exportId}.`, 'Pick an export from the Export page.');
  if (exp.status !== 'draft') throw new LatheError('INVALID_ARGUMENTS', `Export ${exp.name} is ${exp.status}; only a finished export can be released.`, 'Wait for it to finish, or export again.');
  const ggufs = xq.files(exp.id).filter((f) => f.path.toLowerCase().endsWith('.gguf'));
  if (ggufs.length === 0) throw new LatheError('INVALID_ARGUMENTS', `Export ${exp.name} has no GGUF file; a release is decided on the evals of the file that ships.`, 'Export a GGUF (e.g. Q4_K_M or Q8_0), evaluate it, then release it.');
  const models = modelQueries(db);
  const modelOf = (f: ExportFileRow) => models.findBySha(f.sha256, 'gguf')?.id ?? null;
  let file: ExportFileRow | undefined;
  if (choice.file) {
    file = ggufs.find((f) => f.path === choice.file);
    if (!file) throw new LatheError('NOT_FOUND', `Export ${exp.name} has no file ${choice.file}.`, `Its GGUF files: ${ggufs.map((f) => f.path).join(', ')}.`);
  } else if (ggufs.length === 1) {
    file = ggufs[0];
  } else {
    const q = evalQueries(db);
    const evaluated = ggufs
      .map((f) => ({ f, latest: modelOf(f) ? q.latestDoneAny(modelOf(f)!, '[]') : undefined }))
      .filter((x) => x.latest)
      .sort((a, b) => (a.latest!.created_at < b.latest!.created_at ? 1 : -1));
    file = evaluated[0]?.f ?? ggufs[0];
  }
  return { exportId: exp.id, exportName: exp.name, file: file!.path, absolutePath: path.join(exp.path, file!.path), sha256: file!.sha256, quant: file!.quant, modelId: modelOf(file!) };
}

/** Re-hashes the file on disk: a release must ship the bytes that were evaluated, not a file replaced since. */
export async function confirmArtefactBytes(a: ResolvedArtefact): Promise<void> {
  if (!fs.existsSync(a.absolutePath)) {
    throw new LatheError('NOT_FOUND', `The exported file ${a.absolutePath} is gone.`, 'Restore the export folder (or export again, evaluate the new file, then release it).');
  }
  const { sha256 } = await hashModelFiles(a.absolutePath, null);
  if (sha256 !== a.sha256) {
    throw new LatheError('INVALID_ARGUMENTS', `The file ${a.file} in export ${a.exportName} changed after it was exported (sha256 ${sha256.slice(0, 12)}…, recorded ${a.sha256.slice(0, 12)}…).`, 'Do not release it: export again, evaluate the new file, and release that.');
  }
}

/** The export file a registry model is (a GGUF the export wrote and registered), or null. */
export function exportedFileOf(db: Database.Database, candidate: { modelId: string; adapterIds: string[] }): ArtefactChoice | null {
  if (candidate.adapterIds.length > 0) return null;
  const model = modelQueries(db).get(candidate.modelId);
  if (!model || model.kind !== 'gguf') return null;
  const hit = exportQueries(db).fileBySha(model.sha256);
  return hit ? { exportId: hit.export_id, file: hit.path } : null;
}
