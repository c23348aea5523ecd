import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';

/**
 * The OpenAI endpoint's API key, kept in <data>/serving/api-key (0600). It is read without side effects, made only
 * when the endpoint starts and no key exists yet, written atomically (temp file, fsync, rename) so a full disk or a
 * crash can never leave an empty or half-written key in its place, and never accepted when empty or malformed.
 */

/** RFC 6750 b64token characters, at least 16 of them: what Lathe writes (`lathe-` + 32) and what a person may. */
const KEY_SHAPE = /^[A-Za-z0-9._~+/=-]{16,512}$/;
/** Only the line ending and ASCII blanks an editor adds around the key; never Unicode whitespace. */
const FILE_PADDING = /^[ \t\r\n]+|[ \t\r\n]+$/g;

export function apiKeyFile(dataDir: string): string {
  return path.join(dataDir, 'serving', 'api-key');
}

/**
 * The stored key, or null when there is none yet (no file, or a file with nothing in it — what a write on a full
 * disk used to leave). A file that holds something else, or a path that is not a file, is refused with an error
 * that says what to do: it is never taken as a key.
 */
export function readApiKey(file: string): string | null {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) {
      throw new LatheError('INVALID_ARGUMENTS', `The API key path ${file} is not a file.`, 'Remove it; Lathe makes a new key the next time the endpoint starts.');
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof LatheError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LatheError('INTERNAL', `Could not read the API key file ${file}: ${describeFsError(err)}.`, 'Make the file readable by you (or delete it to get a new key), then start the endpoint again.');
  }
  const key = text.replace(FILE_PADDING, '');
  if (key === '') return null;
  if (!KEY_SHAPE.test(key)) {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `The API key file ${file} does not hold a usable key (it needs 16 or more of A–Z a–z 0–9 . _ ~ + / = -, on one line).`,
      'Delete the file; Lathe makes a new key the next time the endpoint starts (tools that used the old key then need the new one).',
    );
  }
  return key;
}

/** The key to serve with: the stored one, or a new one saved first. Throws (and changes nothing) when it cannot be saved. */
export function ensureApiKey(file: string): string {
  const stored = readApiKey(file);
  if (stored) return stored;
  const key = `lathe-${randomBytes(24).toString('base64url')}`;
  writeKeyFile(file, `${key}\n`);
  return key;
}

/** temp file in the same folder (0600, exclusive) → write → fsync → rename over the target → fsync the folder. */
function writeKeyFile(file: string, text: string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.api-key.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = fs.openSync(tmp, 'wx', 0o600);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the first error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    throw new LatheError(
      'INTERNAL',
      `Could not save a new API key to ${file}: ${describeFsError(err)}. The endpoint was not started.`,
      'Free some disk space or make the data folder writable, then start the endpoint again. Nothing was changed.',
    );
  }
  syncDir(dir);
}

/** Makes the rename durable; not every platform lets a folder be opened for it (Windows), which is fine. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC') return 'the disk is full (ENOSPC)';
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') return `permission denied (${e.code})`;
  return e.code ? `${e.code} (${e.message})` : String(e.message ?? err);
}

/**
 * Whether an Authorization header carries exactly `Bearer <key>`: the scheme in any case (RFC 9110), one space,
 * then the key byte for byte — nothing trimmed, so `Bearer <no-break space>` is just a wrong key. Compared as
 * SHA-256 digests so the time taken says nothing about the key or its length. No key, or an empty one given,
 * never matches.
 */
export function bearerMatches(header: string | undefined, key: string): boolean {
  if (!key || typeof header !== 'string' || header.length <= 'Bearer '.length) return false;
  if (header.slice(0, 7).toLowerCase() !== 'bearer ') return false;
  const given = createHash('sha256').update(header.slice(7), 'utf8').digest();
  const want = createHash('sha256').update(key, 'utf8').digest();
  return timingSafeEqual(given, want);
}
