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

/**
 * Streams a file as lines without ever holding more than one line (up to maxLineBytes) in memory. UTF-8 is
 * split on raw bytes and each line is decoded strictly, so one bad line is reported by number and the rest
 * still import; UTF-16 is decoded as a stream (a bad sequence there stops the file).
 */
export async function* readLines(path: string, opts: LineReaderOptions): AsyncGenerator<Line> {
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
    if (utf16) {
      pendingText += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pendingText.indexOf('\n')) >= 0) {
        lineNo += 1;
        yield { lineNo, text: stripCr(pendingText.slice(0, nl)), problem: null, bytesRead };
        pendingText = pendingText.slice(nl + 1);
      }
      continue;
    }
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(NL, start)) >= 0) {
      append(chunk.subarray(start, nl));
      yield finishLine();
      start = nl + 1;
    }
    append(chunk.subarray(start));
  }
  if (utf16) {
    pendingText += decoder.decode();
    if (pendingText.length) yield { lineNo: lineNo + 1, text: stripCr(pendingText), problem: null, bytesRead };
  } else if (partBytes > 0 || oversized) {
    yield finishLine();
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
