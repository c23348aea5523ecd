import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';

export interface HashProgress { bytes: number; totalBytes: number; file: string }
export interface HashOptions {
  onProgress?: (p: HashProgress) => void;
  signal?: AbortSignal;
  /** When set, each file is written here while it is hashed (one read, one write). */
  copyTo?: string;
}
export interface HashResult {
  sha256: string;
  sizeBytes: number;
  files: Array<{ path: string; sha256: string; bytes: number }>;
}

/**
 * sha256 of a model, streamed with progress. One file: its plain sha256 (matches `sha256sum`). A folder: the
 * sha256 of its manifest — one "relative-path<TAB>file-sha256" line per file, sorted — so the identity covers
 * weights, tokenizer and config together and does not depend on the order files were listed.
 */
export async function hashModelFiles(root: string, relFiles: string[] | null, opts: HashOptions = {}): Promise<HashResult> {
  const single = relFiles === null;
  const list = single ? [path.basename(root)] : [...relFiles].sort();
  const base = single ? path.dirname(root) : root;
  const sizes = list.map((f) => fs.statSync(path.join(base, f)).size);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  let lastReport = 0;
  const files: HashResult['files'] = [];
  if (opts.copyTo) fs.mkdirSync(opts.copyTo, { recursive: true });
  for (const rel of list) {
    const hash = crypto.createHash('sha256');
    const input = fs.createReadStream(path.join(base, rel), { highWaterMark: 4 << 20 });
    const out = opts.copyTo ? fs.createWriteStream(path.join(opts.copyTo, rel)) : null;
    let bytes = 0;
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        if (opts.signal?.aborted) throw new LatheError('CANCELLED', 'Hashing was cancelled; nothing was registered.', 'Start the import again when you are ready.');
        hash.update(chunk);
        bytes += chunk.length;
        done += chunk.length;
        if (out && !out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        const now = Date.now();
        if (now - lastReport > 200) {
          lastReport = now;
          opts.onProgress?.({ bytes: done, totalBytes, file: rel });
        }
      }
    } finally {
      input.destroy();
      if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    files.push({ path: rel, sha256: hash.digest('hex'), bytes });
  }
  opts.onProgress?.({ bytes: done, totalBytes, file: list[list.length - 1] ?? '' });
  const sha256 = single
    ? files[0]!.sha256
    : crypto.createHash('sha256').update(files.map((f) => `${f.path}\t${f.sha256}\n`).join('')).digest('hex');
  return { sha256, sizeBytes: totalBytes, files };
}
