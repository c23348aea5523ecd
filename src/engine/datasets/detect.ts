import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { isArchive, openArchive } from './archive/archive-source.js';
import { LatheError } from '../../shared/contract/errors.js';
import type { ColumnMapping, Detection, FileType, TaskFormat } from '../../shared/contract/features/datasets.js';
import { sniffEncoding, textProblem } from './readers/encoding.js';
import { fileTypeFromPath, readRecords } from './readers/record-reader.js';
import { detectFormat, normalizeRecord, RowProblem, usedFields } from './normalize.js';

const PREVIEW_ROWS = 8;

export interface DetectOverrides {
  fileType?: FileType | undefined;
  format?: TaskFormat | undefined;
  mapping?: ColumnMapping | undefined;
}

/** Reads the first records of a file and proposes how to import it; the user can override each part. */
export async function detectImport(path: string, overrides: DetectOverrides = {}): Promise<Detection> {
  if (isArchive(path)) return detectArchive(path, overrides);
  return detectFile(path, overrides);
}

/** A zip of task files: its first task file stands for all of them (the import requires one type throughout). */
async function detectArchive(zip: string, overrides: DetectOverrides): Promise<Detection> {
  const stat = statFile(zip);
  const archive = await openArchive(zip, fs.mkdtempSync(nodePath.join(os.tmpdir(), 'lathe-detect-')), undefined, 'first-task-file');
  try {
    const first = archive.taskFiles[0];
    if (!first) {
      throw new LatheError('INVALID_ARGUMENTS', `${nodePath.basename(zip)} holds documents, not task data.`, 'Import it as documents (for continued pre-training).');
    }
    const d = await detectFile(first.file, { ...overrides, fileType: overrides.fileType ?? first.fileType });
    const inner = archive.label(first.file).slice(nodePath.basename(zip).length + 1);
    return { ...d, path: zip, bytes: stat.size, preview: d.preview.map((r) => ({ ...r, locator: `${inner}:${r.locator}` })) };
  } finally {
    archive.cleanup();
  }
}

async function detectFile(path: string, overrides: DetectOverrides): Promise<Detection> {
  const stat = statFile(path);
  const fileType = overrides.fileType ?? fileTypeFromPath(path);
  if (!fileType) {
    throw new LatheError('INVALID_ARGUMENTS', `Lathe cannot tell what kind of file ${path} is from its name.`, 'Task data is read from .jsonl, .json, .csv, .tsv or .parquet files (or a .zip of them); documents (.txt .md .html .pdf .docx) are imported as documents.');
  }
  const encoding = sniffEncoding(path);
  const textual = fileType === 'parquet' ? null : textProblem(path, encoding);
  const unreadable = (hint: string) => new LatheError('INVALID_ARGUMENTS', `${nodePath.basename(path)} ${textual!.message}.`, hint);
  if (textual?.wholeFile) throw unreadable('Lathe reads task data as UTF-8 (or UTF-16 with a byte-order mark) JSON Lines, JSON, CSV or TSV, and Parquet.');
  const sample: Array<{ locator: string; value: unknown; problem: string | null }> = [];
  for await (const rec of readRecords(path, { fileType, encoding })) {
    sample.push(rec);
    if (sample.length >= PREVIEW_ROWS) break;
  }
  const readable = sample.some((s) => s.problem === null);
  if (textual && !readable) throw unreadable('Re-save the file as UTF-8 and import it again.');
  if (sample.length === 0) {
    throw new LatheError('INVALID_ARGUMENTS', `${path} holds no records (it is empty or only blank lines).`, 'Choose the file that holds your examples.');
  }
  const firstObject = sample.find((s) => s.problem === null && typeof s.value === 'object' && s.value !== null && !Array.isArray(s.value));
  const fields = firstObject ? Object.keys(firstObject.value as object) : [];
  const proposed = detectFormat(fields);
  const format = overrides.format ?? proposed?.format;
  if (!format) {
    if (textual) throw unreadable('Re-save the file as UTF-8 and import it again.');
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `Lathe does not recognise the fields of ${path} (${fields.join(', ') || 'none'}).`,
      'Supported: OpenAI chat (messages, tools), ShareGPT (conversations), Alpaca (instruction/input/output), prompt/completion, preference pairs (chosen/rejected), KTO (a label per answer), or text. Map your fields by hand.',
    );
  }
  const mapping = overrides.mapping ?? (proposed && proposed.format === format ? proposed.mapping : {});
  const preview = sample.map((s) => {
    if (s.problem) return { locator: s.locator, content: null, problem: s.problem };
    try {
      return { locator: s.locator, content: normalizeRecord(s.value, format, mapping), problem: null };
    } catch (err) {
      if (err instanceof RowProblem) return { locator: s.locator, content: null, problem: err.message };
      throw err;
    }
  });
  const used = usedFields(format, mapping);
  const unusedFields = fields.filter((f) => !used.has(f));
  return { path, fileType, format, mapping, fields, unusedFields, bytes: stat.size, encoding, preview };
}

export function statFile(path: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new LatheError('NOT_FOUND', `There is no file at ${path}.`, 'Check the path and try again.');
  }
  if (!stat.isFile()) throw new LatheError('INVALID_ARGUMENTS', `${path} is not a file.`, 'Choose a file; folders of documents come with document import.');
  return stat;
}
