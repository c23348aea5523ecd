import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { hashModelFiles } from '../models/model-hash.js';
import { cacheDir, resourcesDir } from '../paths.js';
import { shellCheck, shellRsync, type HostShell } from './host-shell.js';
import { whileStaging } from './staging-lock.js';

/** A target as staging sees it: where commands run, its Python, and Lathe's folder there. */
export interface WorkHost { shell: HostShell; python: string; workDir: string }

/**
 * What lives in a target's work folder, and how files get there and back: rsync over the target's SSH, then both
 * sides hash what was copied and the lists must agree file by file before anything runs on (or is registered
 * from) the copies.
 *
 *   <workDir>/trainer/lathe_trainer/   Lathe's trainer package (copied by Lathe; the Python env is the target's own)
 *   <workDir>/runs/<run id>/           a run's data, run.json, checkpoints and output; .lathe/ holds its protocol log
 *   <workDir>/models/<name>-<hash>/    a staged base model (hash of this machine's path, so two models never mix)
 */
export const remoteLayout = {
  trainerRoot: (t: WorkHost) => path.posix.join(t.workDir, 'trainer'),
  runDir: (t: WorkHost, runId: string) => path.posix.join(t.workDir, 'runs', runId),
  modelDir: (t: WorkHost, localModelDir: string) => {
    const tag = createHash('sha256').update(path.resolve(localModelDir)).digest('hex').slice(0, 12);
    return path.posix.join(t.workDir, 'models', `${path.basename(localModelDir).replace(/[^A-Za-z0-9._-]/g, '_')}-${tag}`);
  },
};

/** The words that run a module of the trainer package on the target, its package on the path and no hub access. */
export function remotePython(t: WorkHost, module: string, args: readonly string[]): string[] {
  return ['env', `PYTHONPATH=${remoteLayout.trainerRoot(t)}`, 'HF_HUB_OFFLINE=1', 'TRANSFORMERS_OFFLINE=1', 'PYTHONUNBUFFERED=1', t.python, '-m', module, ...args];
}

/**
 * Hashes kept between stagings of the same base model (a 70B folder is ~140 GB to hash on each side): a file whose
 * size, mtime and inode are those recorded keeps its hash. rsync's quick check trusts the same facts, and rsync
 * writes a changed file as a new one (a new inode), so a copied change is always hashed again. `local` lives in
 * Lathe's cache folder, `remote` beside the staged folder (never inside it: it would be part of the copy).
 */
export interface HashCache { local: string; remote: string }

export function modelHashCache(localModelDir: string, remoteModelDir: string): HashCache {
  const key = createHash('sha256').update(path.resolve(localModelDir)).digest('hex').slice(0, 16);
  return { local: path.join(cacheDir(), 'staging-hashes', `${key}.json`), remote: `${remoteModelDir}.lathe-hashes.json` };
}

/** sha256 of every file under `root` (relative POSIX paths; a link to a file counts as the file, as rsync --copy-links copies it), skipping `exclude` (top-level names). */
export async function localManifest(root: string, exclude: readonly string[] = [], cacheFile?: string): Promise<Record<string, string>> {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if ((!rel && exclude.includes(e.name)) || e.name === '__pycache__') continue;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile() || (e.isSymbolicLink() && fs.statSync(path.join(dir, e.name), { throwIfNoEntry: false })?.isFile())) files.push(r);
    }
  };
  walk(root, '');
  const known = cacheFile ? readHashCache(cacheFile) : {};
  const seen: Record<string, [number, string, number, string]> = {};
  const result: Record<string, string> = {};
  const toHash: string[] = [];
  for (const rel of files) {
    const st = fs.statSync(path.join(root, rel), { bigint: true });
    const key: [number, string, number] = [Number(st.size), String(st.mtimeNs), Number(st.ino)];
    const entry = known[rel];
    if (Array.isArray(entry) && entry[0] === key[0] && entry[1] === key[1] && entry[2] === key[2] && typeof entry[3] === 'string') {
      result[rel] = entry[3];
      seen[rel] = entry;
    } else {
      toHash.push(rel);
      seen[rel] = [...key, ''];
    }
  }
  const { files: hashed } = await hashModelFiles(root, toHash);
  for (const f of hashed) {
    result[f.path] = f.sha256;
    seen[f.path]![3] = f.sha256;
  }
  if (cacheFile) writeHashCache(cacheFile, seen);
  return result;
}

function readHashCache(file: string): Record<string, [number, string, number, string]> {
  try {
    const found = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return found && typeof found === 'object' && !Array.isArray(found) ? (found as Record<string, [number, string, number, string]>) : {};
  } catch {
    return {};
  }
}

function writeHashCache(file: string, entries: Record<string, [number, string, number, string]>): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(entries));
    fs.renameSync(`${file}.tmp`, file);
  } catch {
    // a full or read-only cache folder: the next staging simply hashes again
  }
}

export async function remoteManifest(t: WorkHost, root: string, exclude: readonly string[] = [], cacheFile?: string): Promise<Record<string, string>> {
  const args = ['manifest', '--dir', root, ...exclude.flatMap((e) => ['--exclude', e]), ...(cacheFile ? ['--cache', cacheFile] : [])];
  const out = await shellCheck(t.shell, remotePython(t, 'lathe_trainer.remote', args), `list the files of ${root}`, { timeoutMs: 3_600_000 });
  const files = (JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { files?: Record<string, string> }).files ?? {};
  // The remote walk sees __pycache__ folders Python made there; they are never copied or compared.
  return Object.fromEntries(Object.entries(files).filter(([k]) => !k.split('/').includes('__pycache__')));
}

/** Both lists name the same files with the same hashes, or a LatheError naming the first difference. */
export function compareManifests(here: Record<string, string>, there: Record<string, string>, what: string, where: string): number {
  for (const [file, sha] of Object.entries(here)) {
    if (!(file in there)) throw new LatheError('TRANSFER_FAILED', `${what}: ${file} is missing on ${where} after copying.`, 'Check free space on both machines, then try again.');
    if (there[file] !== sha) throw new LatheError('TRANSFER_FAILED', `${what}: ${file} differs after copying (sha256 ${sha.slice(0, 12)} here, ${there[file]!.slice(0, 12)} on ${where}).`, 'The copy was damaged on the way or changed while copying; try again.');
  }
  for (const file of Object.keys(there)) {
    if (!(file in here)) throw new LatheError('TRANSFER_FAILED', `${what}: ${where} has ${file}, which was not copied.`, 'Something else writes into that folder; try again.');
  }
  return Object.keys(here).length;
}

/**
 * Copies a local folder to the target and verifies it; returns the file count. `mirror` (the default) makes the
 * target's copy exactly this folder (files gone here go there too); without it, files only the target has are kept
 * (a run folder the trainer there may have written checkpoints into since the last copy back). `hashCache`: hashes
 * of unchanged files are kept between copies (a base model staged again for the next run).
 */
export async function pushFolder(t: WorkHost, localDir: string, remoteDir: string, what: string, exclude: readonly string[] = [], opts: { mirror?: boolean; hashCache?: HashCache } = {}): Promise<number> {
  const mirror = opts.mirror ?? true;
  const host = t.shell.host;
  await shellCheck(t.shell, ['mkdir', '-p', remoteDir], `create ${remoteDir}`);
  const r = await shellRsync(t.shell, [...(mirror ? ['--delete'] : []), '--copy-links', '--exclude', '__pycache__', ...exclude.flatMap((e) => ['--exclude', `/${e}`]), `${localDir}/`, t.shell.rsyncPath(`${remoteDir}/`)]);
  if (r.code !== 0) throw transferError(t.shell, r, `copy ${what} to ${host}`);
  const [here, there] = await Promise.all([localManifest(localDir, exclude, opts.hashCache?.local), remoteManifest(t, remoteDir, exclude, opts.hashCache?.remote)]);
  const compared = mirror ? there : Object.fromEntries(Object.keys(here).map((f) => [f, there[f] ?? '']).filter(([, sha]) => sha));
  if (!mirror) for (const f of Object.keys(here)) if (!(f in there)) throw new LatheError('TRANSFER_FAILED', `${what}: ${f} is missing on ${host} after copying.`, 'Check free space on both machines, then try again.');
  return compareManifests(here, compared, what, host);
}

/** Copies a target's folder back here (new and changed files; nothing here is deleted) and verifies it. */
export async function pullFolder(t: WorkHost, remoteDir: string, localDir: string, what: string, exclude: readonly string[] = []): Promise<number> {
  fs.mkdirSync(localDir, { recursive: true });
  const r = await shellRsync(t.shell, ['--exclude', '__pycache__', ...exclude.flatMap((e) => ['--exclude', `/${e}`]), t.shell.rsyncPath(`${remoteDir}/`), `${localDir}/`]);
  if (r.code !== 0) throw transferError(t.shell, r, `copy ${what} back from ${t.shell.host}`);
  const there = await remoteManifest(t, remoteDir, exclude);
  const here = await localManifest(localDir, exclude);
  // Files only here (kept from before, like the local run.json's siblings) are fine; every file there must match.
  const pulled = Object.fromEntries(Object.keys(there).map((f) => [f, here[f] ?? '']));
  return compareManifests(pulled, there, what, t.shell.host);
}

/** Lathe's trainer package on the target, the same files as this Lathe's (runs starting together copy it in turn). */
export async function installTrainer(t: WorkHost): Promise<number> {
  const local = path.join(resourcesDir(), 'trainer', 'lathe_trainer');
  const remote = path.posix.join(remoteLayout.trainerRoot(t), 'lathe_trainer');
  return whileStaging(t, remote, () => pushFolder(t, local, remote, "Lathe's trainer", ['tests']));
}

function transferError(shell: HostShell, r: { code: number | null; stdout: string; stderr: string }, what: string): LatheError {
  if (r.code === 255) return shell.failure(r, what);
  const said = r.stderr.trim().split('\n').slice(-2).join(' | ');
  const full = /No space left on device/i.test(r.stderr);
  return new LatheError('TRANSFER_FAILED', `Could not ${what} (rsync exit ${r.code})${said ? `: ${said}` : '.'}`, full ? 'A disk is full: free space there, then try again.' : 'Check that rsync is installed on the target and the work folder is writable.');
}
