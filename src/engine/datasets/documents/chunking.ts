import { LatheError } from '../../../shared/contract/errors.js';
import type { TokenCounter } from './tokenizer.js';

export interface Chunk {
  text: string;
  /** Character offsets [start, end) in the document's extracted text. */
  start: number;
  end: number;
  /** 1-based pages the chunk spans (PDF), or null. */
  pages: [number, number] | null;
  size: number;
}

export interface ChunkSize {
  size: number;
  overlap: number;
}

interface Piece {
  start: number;
  end: number;
  n: number;
}

/**
 * Packs whole word pieces (a word with the whitespace before it) into chunks of at most `size` units, each
 * starting `overlap` units before the previous one ended. A single word longer than a chunk is cut by
 * characters so no chunk ever exceeds the size.
 */
export function* chunkText(text: string, pageStarts: number[] | null, opts: ChunkSize, counter: TokenCounter): Generator<Chunk> {
  if (opts.overlap >= opts.size) throw new LatheError('INVALID_ARGUMENTS', 'The overlap must be smaller than the chunk.', 'Use an overlap of about a tenth of the chunk size.');
  const pieces: Piece[] = [];
  for (const m of text.matchAll(/\s*\S+/g)) {
    const start = m.index;
    const raw = m[0];
    let n = counter.countPiece(raw);
    if (n <= opts.size) {
      pieces.push({ start, end: start + raw.length, n });
      continue;
    }
    // An enormous "word" (a base64 blob, a table without spaces): split it into pieces that fit.
    const step = Math.max(1, Math.floor((raw.length * opts.size) / (n * 2)));
    for (let s = 0; s < raw.length; s += step) {
      const part = raw.slice(s, s + step);
      n = counter.countPiece(part);
      pieces.push({ start: start + s, end: start + s + part.length, n: Math.min(n, opts.size) });
    }
  }
  let i = 0;
  while (i < pieces.length) {
    let j = i;
    let size = 0;
    while (j < pieces.length && size + pieces[j]!.n <= opts.size) size += pieces[j++]!.n;
    if (j === i) j = i + 1; // cannot happen (pieces fit), but never loop forever
    const start = firstNonSpace(text, pieces[i]!.start);
    const end = pieces[j - 1]!.end;
    yield { text: text.slice(start, end), start, end, pages: pageStarts ? [pageAt(pageStarts, start), pageAt(pageStarts, end - 1)] : null, size };
    if (j >= pieces.length) break;
    // Step back over whole pieces until the overlap is covered, but always move forward.
    let back = j;
    let overlap = 0;
    while (back > i + 1 && overlap + pieces[back - 1]!.n <= opts.overlap) overlap += pieces[--back]!.n;
    i = back;
  }
}

function firstNonSpace(text: string, from: number): number {
  let k = from;
  while (k < text.length && /\s/.test(text[k]!)) k++;
  return k;
}

/** 1-based page holding character `offset`. */
export function pageAt(pageStarts: number[], offset: number): number {
  let lo = 0;
  let hi = pageStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pageStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
