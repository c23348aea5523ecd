import { convert } from 'html-to-text';
import { readText } from './text-reader.js';

/** Visible text of an HTML page: scripts, styles, images and link targets dropped; paragraphs kept. */
export function readHtml(file: string): string {
  return convert(readText(file), {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', options: { uppercaseHeaderCells: false } },
    ],
  });
}
