import mammoth from 'mammoth';
import { DocumentProblem } from './document-text.js';

/** Raw text of a Word document (paragraphs separated by blank lines); formatting is not needed for pre-training. */
export async function readDocx(file: string): Promise<string> {
  try {
    const { value } = await mammoth.extractRawText({ path: file });
    return value;
  } catch (err) {
    const msg = (err as Error).message;
    if (/central directory|zip|end of data/i.test(msg)) throw new DocumentProblem('is not a valid DOCX file (it is damaged, or not a Word document)');
    throw new DocumentProblem(`could not be read as DOCX (${msg})`);
  }
}
