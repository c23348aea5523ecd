import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { LatheError } from '../../../shared/contract/errors.js';

/** Caps that keep a hostile archive (a zip bomb) from filling the disk or the memory. */
export interface ZipLimits {
  maxEntries: number;
  /** Sum of uncompressed bytes over all entries, declared and actual. */
  maxTotalBytes: number;
  /** Uncompressed / compressed size of one entry; real text compresses ~3–10×, bombs 1000×. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 100_000, maxTotalBytes: 20 * 1024 ** 3, maxRatio: 200 };

export interface ExtractedArchive {
  /** Absolute paths of the extracted files, in archive order. */
  files: string[];
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function refused(archive: string, what: string): LatheError {
  return new LatheError('INVALID_ARGUMENTS', `${path.basename(archive)}: ${what}. Nothing was imported.`, 'Lathe refuses unsafe archives. Unpack it yourself, check the contents, and import the folder.');
}

/**
 * Streams every file of a zip into `dest` (created fresh), refusing — before writing it — any entry that
 * would land outside `dest` (zip-slip: "../", absolute paths, drive letters, backslashes), symbolic links,
 * encrypted entries, too many entries, and entries whose size or compression ratio give away a zip bomb.
 * yauzl checks each entry's actual size against the declared one while streaming; we also count actual
 * bytes against the total cap. On any refusal `dest` is removed.
 */
export async function extractZip(archive: string, dest: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS, accept: (name: string) => boolean = () => true): Promise<ExtractedArchive> {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  const root = fs.realpathSync(dest);
  try {
    return await new Promise<ExtractedArchive>((resolve, reject) => {
      yauzl.open(archive, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: true }, (openErr, zip) => {
        if (openErr || !zip) return reject(new LatheError('INVALID_ARGUMENTS', `${path.basename(archive)} is not a readable zip archive (${openErr?.message ?? 'unknown error'}).`, 'Check that the download finished, or unpack it and import the folder.'));
        const files: string[] = [];
        let entries = 0;
        let declared = 0;
        let actual = 0;
        let failed = false;
        const fail = (err: Error) => {
          if (failed) return;
          failed = true;
          zip.close();
          reject(err);
        };
        zip.on('error', (err: Error) => fail(translate(archive, err)));
        zip.on('end', () => !failed && resolve({ files, bytes: actual }));
        zip.on('entry', (entry: yauzl.Entry) => {
          if (failed) return;
          entries += 1;
          const name = entry.fileName;
          if (entries > limits.maxEntries) return fail(refused(archive, `it holds more than ${limits.maxEntries.toLocaleString('en')} entries (a zip bomb?)`));
          const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
          if (mode === S_IFLNK) return fail(refused(archive, `entry "${name}" is a symbolic link`));
          if (entry.isEncrypted()) return fail(refused(archive, `entry "${name}" is encrypted`));
          const target = path.resolve(root, name);
          if (!target.startsWith(root + path.sep)) return fail(refused(archive, `entry "${name}" would be written outside the archive folder (zip-slip)`));
          if (name.endsWith('/')) return zip.readEntry();
          // Declared sizes are checked for every entry, extracted or not: they are metadata, and cheap.
          declared += entry.uncompressedSize;
          if (declared > limits.maxTotalBytes) return fail(refused(archive, `its entries declare more than ${fmtBytes(limits.maxTotalBytes)} uncompressed (a zip bomb?)`));
          if (entry.compressedSize > 0 && entry.uncompressedSize / entry.compressedSize > limits.maxRatio) {
            return fail(refused(archive, `entry "${name}" expands ${Math.round(entry.uncompressedSize / entry.compressedSize)}× (${fmtBytes(entry.compressedSize)} → ${fmtBytes(entry.uncompressedSize)}; a zip bomb?)`));
          }
          if (!accept(name)) return zip.readEntry();
          zip.openReadStream(entry, (streamErr, stream) => {
            if (streamErr || !stream) return fail(translate(archive, streamErr ?? new Error('no stream'), name));
            fs.mkdirSync(path.dirname(target), { recursive: true });
            const counter = new Transform({
              transform(chunk: Buffer, _e, cb) {
                actual += chunk.length;
                if (actual > limits.maxTotalBytes) return cb(refused(archive, `it expands to more than ${fmtBytes(limits.maxTotalBytes)} (a zip bomb?)`));
                cb(null, chunk);
              },
            });
            // 'wx': never follow or replace something already there (two entries with one name are refused).
            pipeline(stream, counter, fs.createWriteStream(target, { flags: 'wx' }))
              .then(() => {
                files.push(target);
                zip.readEntry();
              })
              .catch((err: Error) => fail(err instanceof LatheError ? err : translate(archive, err, name)));
          });
        });
        zip.readEntry();
      });
    });
  } catch (err) {
    fs.rmSync(dest, { recursive: true, force: true });
    throw err;
  }
}

/** yauzl's and the file system's messages, as a sentence that names the archive and the entry. */
function translate(archive: string, err: Error, entry?: string): LatheError {
  const m = err.message;
  const slip = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/.exec(m);
  if (slip) return refused(archive, `entry "${slip[2]}" would be written outside the archive folder (zip-slip)`);
  const sizes = /^too many bytes in the stream\. expected (\d+)\. got at least (\d+)/.exec(m);
  if (sizes) return refused(archive, `entry "${entry}" declares ${sizes[1]} bytes but holds more (at least ${sizes[2]}; a zip bomb?)`);
  if (/^compressed\/uncompressed size mismatch for stored file/.test(m)) return refused(archive, `an entry${entry ? ` ("${entry}")` : ''} declares a size that does not match its bytes (${m.replace(/^.*: /, '')}; a zip bomb?)`);
  if ((err as NodeJS.ErrnoException).code === 'EEXIST') return refused(archive, `entry "${entry}" appears twice`);
  return new LatheError('INVALID_ARGUMENTS', `${path.basename(archive)}${entry ? `, entry "${entry}"` : ''}: ${m}. Nothing was imported.`, 'The archive is damaged; unpack it with another tool and import the folder.');
}

function fmtBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${n} bytes`;
}
