import fs from 'node:fs';
import { DocumentProblem } from './document-text.js';

/** UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is reported, never guessed. */
export function readText(file: string): string {
  const bytes = fs.readFileSync(file);
  let encoding = 'utf-8';
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [encoding, start] = ['utf-16le', 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [encoding, start] = ['utf-16be', 2];
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  } catch {
    throw new DocumentProblem(`is not valid ${encoding.toUpperCase()} text; save it as UTF-8`);
  }
}
