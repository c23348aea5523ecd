import fs from 'node:fs';
import { DocumentProblem, type DocumentText } from './document-text.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | null = null;

/**
 * Text of every page via pdfjs-dist's legacy (Node) build. In Node pdfjs runs its parser in-thread (a "fake
 * worker"); we already are in the import worker, off the engine's main loop. Pages are joined with blank lines
 * and their start offsets kept, so each chunk can name its page.
 */
export async function readPdf(file: string): Promise<DocumentText> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  const lib = await pdfjs;
  let doc: Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
  try {
    doc = await lib.getDocument({ data: new Uint8Array(fs.readFileSync(file)), isEvalSupported: false, useSystemFonts: false, verbosity: 0, stopAtErrors: true }).promise;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'PasswordException') throw new DocumentProblem('is encrypted (password-protected); remove the password (e.g. print to a new PDF) and import it again');
    if (e.name === 'InvalidPDFException') throw new DocumentProblem(`is not a valid PDF (${e.message.replace(/\.$/, '')}); it may be damaged or truncated`);
    throw new DocumentProblem(`could not be opened as a PDF (${e.message})`);
  }
  try {
    const pageStarts: number[] = [];
    let text = '';
    for (let n = 1; n <= doc.numPages; n++) {
      if (n > 1) text += '\n\n';
      pageStarts.push(text.length);
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      page.cleanup();
    }
    return { text, pageStarts };
  } catch (err) {
    throw new DocumentProblem(`is damaged: reading its pages failed (${(err as Error).message})`);
  } finally {
    await doc.destroy();
  }
}
