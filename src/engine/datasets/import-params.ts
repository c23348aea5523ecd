import type { ColumnMapping, FileType, ImportResult, TaskFormat } from '../../shared/contract/features/datasets.js';
import type { ChunkOptions } from './documents.js';
import type { TextEncoding } from './readers/encoding.js';

/** What an import is asked to do and how it reports back (apart from run-import.ts, which the row readers it uses
 * would otherwise import back). */
export interface ImportParams {
  importId: string;
  path: string;
  datasetName: string;
  /** 'documents': one document or a folder of them (.txt .md .html .pdf .docx), chunked into text examples. */
  fileType: FileType | 'documents';
  chunk?: ChunkOptions;
  encoding: TextEncoding;
  format: TaskFormat;
  mapping: ColumnMapping;
  onError: 'abort' | 'skip';
  actor: string;
  rejectsDir: string;
  /** Read in a second thread while this one stages ('auto': task files of 4 MiB and more). Tests force either. */
  pipeline?: 'auto' | 'always' | 'never';
}

export interface ImportProgress {
  rows: number;
  rejected: number;
  bytes: number;
  totalBytes: number;
}

export interface ImportHooks {
  onProgress?: (p: ImportProgress) => void;
  isCancelled?: () => boolean;
}

export type ChunkingRecord = NonNullable<ImportResult['chunking']>;
