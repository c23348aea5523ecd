/** What every document reader returns, and the one error they raise (kept apart from extract.ts, which imports the readers). */
export interface DocumentText {
  text: string;
  pageStarts: number[] | null;
}

/** A document that cannot be read; the message completes "<file> …" ("report.pdf is encrypted …"). */
export class DocumentProblem extends Error {}
