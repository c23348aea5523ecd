import fs from 'node:fs';
import { bomLength, type TextEncoding } from './encoding.js';

export interface Line {
  lineNo: number;
  text: string | null;
  /** Why `text` is null: invalid UTF-8 or a line over the size limit. */
  problem: string | null;
  /** Bytes of the file consumed so far (for progress). */
  bytesRead: number;
}

export interface LineReaderOptions {
  encoding: TextEncoding;
  maxLineBytes: number;
  onChunk?: (chunk: Buffer) => void;
  highWaterMark?: number;
}

const NL = 0x0a;

/** Streams a file as lines, one at a time (see readLineBatches). */
export async function* readLines(path: string, opts: LineReaderOptions): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(path, opts)) yield* batch;
}

/**
 * Streams a file as batches of lines (one batch per read chunk) without ever holding more than one chunk and
 * one line (up to maxLineBytes) in memory. Batches, because an async step per line costs more than parsing a
 * short JSON row. UTF-8 is split on raw bytes and a bad block is decoded line by line, so one bad line is
 * reported by number and the rest still import; UTF-16 is decoded as a stream (a bad sequence there stops the file).
 */
export async function* readLineBatches(path: string, opts: LineReaderOptions): AsyncGenerator<Line[]> {
  const stream = fs.createReadStream(path, { highWaterMark: opts.highWaterMark ?? 1 << 20 });
  const utf16 = opts.encoding === 'utf-16le' || opts.encoding === 'utf-16be';
  const decoder = new TextDecoder(utf16 ? opts.encoding : 'utf-8', { fatal: true });
  let skip = bomLength(opts.encoding);
  let bytesRead = 0;
  let lineNo = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let oversized = false;
  let pendingText = '';

  const finishLine = (): Line => {
    lineNo += 1;
    if (oversized) {
      oversized = false;
      parts = [];
      partBytes = 0;
      return { lineNo, text: null, problem: `is longer than ${Math.round(opts.maxLineBytes / 1048576)} MB`, bytesRead };
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    try {
      return { lineNo, text: stripCr(decoder.decode(bytes)), problem: null, bytesRead };
    } catch {
      return { lineNo, text: null, problem: `is not valid UTF-8 (byte offset ${firstInvalidUtf8(bytes)} in the line); save the file as UTF-8`, bytesRead };
    }
  };

  for await (const raw of stream as AsyncIterable<Buffer>) {
    opts.onChunk?.(raw);
    let chunk = raw;
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      chunk = chunk.subarray(n);
      skip -= n;
    }
    bytesRead += raw.length;
    const out: Line[] = [];
    if (utf16) {
      pendingText += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pendingText.indexOf('\n')) >= 0) {
        lineNo += 1;
        out.push({ lineNo, text: stripCr(pendingText.slice(0, nl)), problem: null, bytesRead });
        pendingText = pendingText.slice(nl + 1);
      }
      if (out.length) yield out;
      continue;
    }
    // Fast path: decode all complete lines of the chunk in one call and split the string (decoding and copying
    // line by line costs about as much as JSON.parse of a short row). Taken only when no line in the block can
    // be over the limit; a block with invalid UTF-8 falls through to the per-line path, which names the line.
    const last = chunk.lastIndexOf(NL);
    if (last >= 0 && !oversized && partBytes + last <= opts.maxLineBytes) {
      const head = chunk.subarray(0, last);
      let text: string | null;
      try {
        text = decoder.decode(partBytes ? Buffer.concat([...parts, head], partBytes + head.length) : head);
      } catch {
        text = null;
      }
      if (text !== null) {
        parts = [];
        partBytes = 0;
        for (const line of text.split('\n')) {
          lineNo += 1;
          // A per-line decode drops a leading BOM on every line; keep that behaviour.
          out.push({ lineNo, text: stripCr(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line), problem: null, bytesRead });
        }
        append(chunk.subarray(last + 1));
        yield out;
        continue;
      }
    }
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(NL, start)) >= 0) {
      append(chunk.subarray(start, nl));
      out.push(finishLine());
      start = nl + 1;
    }
    append(chunk.subarray(start));
    if (out.length) yield out;
  }
  if (utf16) {
    pendingText += decoder.decode();
    if (pendingText.length) yield [{ lineNo: lineNo + 1, text: stripCr(pendingText), problem: null, bytesRead }];
  } else if (partBytes > 0 || oversized) {
    yield [finishLine()];
  }

  function append(piece: Buffer) {
    if (oversized || piece.length === 0) return;
    if (partBytes + piece.length > opts.maxLineBytes) {
      oversized = true;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(Buffer.from(piece)); // copy: the stream may reuse its buffer
    partBytes += piece.length;
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

function firstInvalidUtf8(bytes: Buffer): number {
  const d = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      d.decode(bytes.subarray(0, mid + 1));
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return Math.max(0, lo - 3);
}
