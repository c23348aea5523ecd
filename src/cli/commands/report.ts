import { LatheError } from '../../shared/contract/errors.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { resolveReleaseId, writeReleaseReport } from '../../engine/reports/report-handlers.js';
import { parseFlags } from '../args.js';
import { resolveRecordId } from '../ids.js';

const USAGE = 'lathe report (--release RELEASE_ID|latest | --export EXPORT_ID) [--out DIR] [--data-dir DIR]';

/** The release report of a release decision as HTML + PDF (default folder: <data>/reports/<release id>/). */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { release: { type: 'string' }, export: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' } }, USAGE);
  if (!values.release && !values.export) throw new LatheError('INVALID_ARGUMENTS', 'Name the release decision with --release ID (or --release latest), or the export with --export ID.', `Usage: ${USAGE}`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    let releaseId =
      values.release === undefined ? resolveReleaseId(engine.ctx.db!, { exportId: resolveRecordId(engine, 'export', values.export!) })
      : values.release === 'latest' ? 'latest' : resolveRecordId(engine, 'release', values.release);
    if (releaseId === 'latest') {
      const latest = (await engine.call('gate.get', {})).releases[0];
      if (!latest) throw new LatheError('NOT_FOUND', 'No model has been released yet.', 'Release a model on the Evaluate page (or with the gate), then write its report.');
      releaseId = latest.id;
    }
    const r = await writeReleaseReport(engine.ctx, releaseId, values.out);
    process.stdout.write(`Release report for ${releaseId}\n  ${r.htmlPath}  sha256 ${r.htmlSha256}\n  ${r.pdfPath}  sha256 ${r.pdfSha256} (${r.pdfPages} pages)\n`);
    return 0;
  } finally {
    await engine.dispose();
  }
}
