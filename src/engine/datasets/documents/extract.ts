import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/contract/errors.js';
import { readDocx } from './docx-reader.js';
import { readHtml } from './html-reader.js';
import { readPdf } from './pdf-reader.js';
import { readText } from './text-reader.js';

/** The text of one document; `pageStarts[i]` is the character offset where page i+1 begins (PDF only). */
import { DocumentProblem, type DocumentText } from './document-text.js';

export { DocumentProblem, type DocumentText };

export const DOCUMENT_EXTENSIONS = new Set(['.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx']);
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

/** Reads one document's text with the parser for its type; every failure becomes a DocumentProblem naming the file. */
export async function extractDocument(file: string): Promise<DocumentText> {
  const size = fs.statSync(file).size;
  if (size > MAX_DOCUMENT_BYTES) throw new DocumentProblem('is larger than 256 MB; split it into smaller files');
  if (size === 0) throw new DocumentProblem('is empty');
  const ext = path.extname(file).toLowerCase();
  let doc: DocumentText;
  try {
    if (ext === '.pdf') doc = await readPdf(file);
    else if (ext === '.docx') doc = { text: await readDocx(file), pageStarts: null };
    else if (ext === '.html' || ext === '.htm') doc = { text: readHtml(file), pageStarts: null };
    else doc = { text: readText(file), pageStarts: null };
  } catch (err) {
    if (err instanceof DocumentProblem || err instanceof LatheError) throw err;
    throw new DocumentProblem(`could not be read as ${ext.slice(1).toUpperCase()} (${(err as Error).message})`);
  }
  if (!doc.text.trim()) throw new DocumentProblem(`holds no text${ext === '.pdf' ? ' (a scanned PDF needs OCR first)' : ''}`);
  return doc;
}
