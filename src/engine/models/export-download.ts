import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ArgsOf, ResultOf } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { exportQueries } from '../db/queries/exports.js';
import { requireDb } from '../require-db.js';

/** How long a download link stays good: long enough for the browser to follow it, short enough not to linger. */
const TICKET_TTL_MS = 60_000;

/** A file an export handler vetted, waiting for the browser to fetch it once. */
export interface DownloadGrant { file: string; absolutePath: string; bytes: number; sha256: string | null; actor: string; expires: number }

/**
 * Single-use download links. The RPC call checks who may download what (the contract's permission, the export's
 * recorded files, the folder) and audits it; the browser server then only streams a file it is handed here, to the
 * same user, once, within a minute. A link is 32 random bytes: it cannot be guessed or reused.
 */
export class DownloadTickets {
  private readonly grants = new Map<string, DownloadGrant>();

  issue(grant: Omit<DownloadGrant, 'expires'>): string {
    this.sweep();
    const ticket = randomBytes(32).toString('base64url');
    this.grants.set(ticket, { ...grant, expires: Date.now() + TICKET_TTL_MS });
    return ticket;
  }

  /** The grant behind a ticket, removed as it is taken; null when unknown, used, expired or issued to someone else. */
  take(ticket: string, actor: string): DownloadGrant | null {
    this.sweep();
    const grant = this.grants.get(ticket);
    if (!grant || grant.actor !== actor) return null;
    this.grants.delete(ticket);
    return grant;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [t, g] of this.grants) if (g.expires <= now) this.grants.delete(t);
  }
}

/** The manifest every export folder holds beside its recorded files. */
const MANIFEST = 'SHA256SUMS';

/**
 * Vets one file of an export for download: it must be a file the export recorded (or its SHA256SUMS), still inside
 * the export folder once symbolic links are resolved, and still the size recorded. Audited as export.download.
 */
export function grantExportDownload(ctx: EngineContext, tickets: DownloadTickets, { exportId, file }: ArgsOf<'exports.download'>): ResultOf<'exports.download'> {
  const { db, audit } = requireDb(ctx);
  const q = exportQueries(db);
  const exp = q.get(exportId);
  if (!exp) throw new LatheError('NOT_FOUND', `There is no export ${exportId}.`, 'Refresh the Export page.');
  if (exp.status === 'running') throw new LatheError('INVALID_ARGUMENTS', `Export "${exp.name}" is still being written.`, 'Download its files once it has finished.');
  const recorded = q.files(exportId).find((f) => f.path === file);
  if (!recorded && file !== MANIFEST) {
    throw new LatheError('NOT_FOUND', `Export "${exp.name}" has no file "${file}".`, 'Pick one of the files listed on its card.');
  }
  const folder = realpathOrThrow(exp.path, `The folder of export "${exp.name}" is gone (${exp.path}).`);
  const absolutePath = realpathOrThrow(path.join(folder, file), `"${file}" is missing from ${exp.path}.`);
  if (path.relative(folder, absolutePath).startsWith('..') || path.isAbsolute(path.relative(folder, absolutePath))) {
    throw new LatheError('FORBIDDEN', `"${file}" now points outside the export folder (${absolutePath}).`, 'An export file was replaced by a link; export the model again.');
  }
  const stat = fs.statSync(absolutePath);
  if (!stat.isFile()) throw new LatheError('NOT_FOUND', `"${file}" in ${exp.path} is not a file.`, 'Export the model again.');
  if (recorded && stat.size !== recorded.bytes) {
    throw new LatheError('INVALID_ARGUMENTS', `"${file}" changed since it was exported (${stat.size} bytes now, ${recorded.bytes} recorded).`, 'Do not ship it: export the model again, or restore the file (its SHA-256 is on the card).');
  }
  const sha256 = recorded?.sha256 ?? exp.manifest_sha256;
  const ticket = tickets.issue({ file, absolutePath, bytes: stat.size, sha256, actor: ctx.actor });
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'export.download', objectType: 'export', objectId: exportId, details: { file, bytes: stat.size, sha256 } }));
  return { url: `/download/${ticket}`, file, bytes: stat.size, sha256 };
}

function realpathOrThrow(p: string, missing: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    throw new LatheError('NOT_FOUND', missing, 'Export the model again.');
  }
}

/** The desktop's own "open this folder" command. */
function folderOpener(): string {
  return process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
}

/**
 * Opens an export's folder in the file manager of the machine the engine runs on — the user's own in the desktop app.
 * A browser-mode engine runs on a server, where a window would open for nobody: there the files download instead.
 */
export async function revealExportFolder(ctx: EngineContext, { exportId }: ArgsOf<'exports.reveal'>): Promise<ResultOf<'exports.reveal'>> {
  if (ctx.mode === 'browser') {
    throw new LatheError('INVALID_ARGUMENTS', 'The export folder is on the server, not on this computer.', 'Download its files from the export card instead.');
  }
  const exp = exportQueries(requireDb(ctx).db).get(exportId);
  if (!exp) throw new LatheError('NOT_FOUND', `There is no export ${exportId}.`, 'Refresh the Export page.');
  const folder = realpathOrThrow(exp.path, `The folder of export "${exp.name}" is gone (${exp.path}).`);
  const opener = folderOpener();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(opener, [folder], { detached: true, stdio: 'ignore' });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
    child.once('error', (err) => {
      reject(new LatheError('NOT_FOUND', `Could not open the folder: ${opener} is not available (${err.message}).`, `Open ${folder} in your file manager.`));
    });
  });
  return { path: folder };
}
