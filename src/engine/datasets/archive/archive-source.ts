import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/contract/errors.js';
import type { FileType } from '../../../shared/contract/features/datasets.js';
import { isDocumentFile } from '../documents.js';
import { fileTypeFromPath } from '../readers/record-reader.js';
import { DEFAULT_ZIP_LIMITS, extractZip, type ZipLimits } from './zip-extract.js';

export { isArchive } from './is-archive.js';

export interface OpenedArchive {
  dir: string;
  /** Extracted files that Lathe can import, sorted by their path inside the archive. */
  documents: string[];
  taskFiles: Array<{ file: string; fileType: FileType }>;
  /** Document entries seen (in 'first-task-file' mode they are counted, not unpacked). */
  documentEntries: number;
  /** "archive.zip/inner/path.pdf": how users see a file from the archive. */
  label: (file: string) => string;
  cleanup: () => void;
}

/** Unpacks the importable files of a zip (safely, see extractZip) into `dir`; the caller removes it with cleanup(). */
export async function openArchive(archive: string, dir: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS, only?: 'first-task-file'): Promise<OpenedArchive> {
  let takenTask = false;
  let documentEntries = 0;
  const accept = (name: string) => {
    if (isDocumentFile(name)) documentEntries += 1;
    if (only !== 'first-task-file') return isDocumentFile(name) || fileTypeFromPath(name) !== null;
    if (takenTask || fileTypeFromPath(name) === null) return false;
    takenTask = true;
    return true;
  };
  const { files } = await extractZip(archive, dir, limits, accept);
  const root = fs.realpathSync(dir);
  const sorted = files.map((f) => fs.realpathSync(f)).sort();
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const documents = sorted.filter(isDocumentFile);
  const taskFiles = sorted.flatMap((file) => {
    const fileType = fileTypeFromPath(file);
    return fileType ? [{ file, fileType }] : [];
  });
  if (documents.length === 0 && taskFiles.length === 0 && documentEntries === 0) {
    cleanup();
    throw new LatheError('INVALID_ARGUMENTS', `${path.basename(archive)} holds no files Lathe can import.`, 'Archives may hold task data (.jsonl .json .csv .tsv .parquet) or documents (.txt .md .html .pdf .docx).');
  }
  return { dir: root, documents, taskFiles, documentEntries, label: (f) => `${path.basename(archive)}/${path.relative(root, f).split(path.sep).join('/')}`, cleanup };
}
