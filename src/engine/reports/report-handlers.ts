import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { ReleaseReport } from '../../shared/contract/features/reports.js';
import type { EngineContext } from '../context.js';
import { reportQueries } from '../db/queries/reports.js';
import { requireDb } from '../require-db.js';
import { gatherReleaseReport } from './report-data.js';
import { renderReleaseHtml } from './report-html.js';
import { renderReleasePdf } from './report-pdf.js';

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Writes both files (temp, then rename) and records their hashes in the audit log. */
export async function writeReleaseReport(ctx: EngineContext, releaseId: string, outDir?: string): Promise<Omit<ReleaseReport, 'html' | 'pdfBase64'> & { htmlText: string; pdf: Uint8Array }> {
  const { db, audit } = requireDb(ctx);
  const data = gatherReleaseReport(db, releaseId);
  const html = renderReleaseHtml(data);
  const pdf = await renderReleasePdf(data);
  const dir = outDir ?? path.join(ctx.dataDir, 'reports', releaseId);
  fs.mkdirSync(dir, { recursive: true });
  const htmlPath = path.join(dir, 'release-report.html');
  const pdfPath = path.join(dir, 'release-report.pdf');
  for (const [file, bytes] of [[htmlPath, Buffer.from(html, 'utf8')], [pdfPath, pdf]] as const) {
    fs.writeFileSync(`${file}.partial`, bytes);
    fs.renameSync(`${file}.partial`, file);
  }
  const pdfPages = (await PDFDocument.load(pdf)).getPageCount(); // read back: the file we wrote parses
  const result = { releaseId, htmlPath, pdfPath, htmlSha256: sha(Buffer.from(html, 'utf8')), pdfSha256: sha(pdf), pdfPages };
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'report.release', objectType: 'release', objectId: releaseId, details: result }));
  return { ...result, htmlText: html, pdf };
}

/** The decision a report is about: named directly, or the newest one that names the export (or its model). */
export function resolveReleaseId(db: Database.Database, by: { releaseId?: string | undefined; exportId?: string | undefined; modelId?: string | undefined }): string {
  if (by.releaseId) return by.releaseId;
  if (!by.exportId && !by.modelId) throw new LatheError('INVALID_ARGUMENTS', 'Name the release decision, the export or the model the report is about.', 'Pass releaseId, exportId or modelId.');
  const hit = reportQueries(db).latestReleaseId(by.exportId ?? null, by.modelId ?? null);
  if (!hit) throw new LatheError('NOT_FOUND', `No release decision names ${by.exportId ? `export ${by.exportId}` : `model ${by.modelId}`}; it is still a draft.`, 'Evaluate it and decide its release on the Evaluate page first.');
  return hit;
}

export function reportHandlers(ctx: EngineContext): Pick<HandlerImpls, 'reports.release'> {
  return {
    'reports.release': async ({ releaseId, exportId, modelId, includeContent }) => {
      const { htmlText, pdf, ...r } = await writeReleaseReport(ctx, resolveReleaseId(requireDb(ctx).db, { releaseId, exportId, modelId }));
      return { ...r, html: includeContent ? htmlText : null, pdfBase64: includeContent ? Buffer.from(pdf).toString('base64') : null };
    },
  };
}
