import fs from 'node:fs';
import path from 'node:path';
import { isArchive } from '../../engine/datasets/archive/archive-source.js';
import { isDocumentFile } from '../../engine/datasets/documents.js';
import { LatheError } from '../../shared/contract/errors.js';
import { columnMappingSchema, TASK_FORMATS, type ColumnMapping, type TaskFormat } from '../../shared/contract/features/datasets.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { parseFlags } from '../args.js';

const USAGE =
  `lathe import FILE|FOLDER|ARCHIVE.zip [--name DATASET] [--format ${TASK_FORMATS.join('|')}] [--map FIELD=SLOT ...] [--skip-bad-rows]\n` +
  `       slots: ${Object.keys(columnMappingSchema.shape).join(', ')} (e.g. --map better=chosen --map worse=rejected)\n` +
  '       documents: [--tokenizer MODEL_DIR|tokenizer.json] [--chunk-size N] [--overlap N]   [--data-dir DIR]';

/** A folder, a document (.txt .md .html .pdf .docx) or a zip holding documents is a document import (chunks for continued pre-training). */
async function isDocuments(engine: Engine, target: string): Promise<boolean> {
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() || isDocumentFile(target)) return true;
  if (!isArchive(target)) return false;
  try {
    await engine.call('datasets.detect', { path: target });
    return false;
  } catch (err) {
    if (/holds documents, not task data/.test((err as Error).message)) return true;
    throw err;
  }
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new LatheError('INVALID_ARGUMENTS', `${flag} must be a whole number, got "${v}".`, `Usage: ${USAGE}`);
  return n;
}

/** Imports task data or documents into a dataset (a new one, or a new version of an existing one), with live progress. */
export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      name: { type: 'string' },
      format: { type: 'string' },
      map: { type: 'string', multiple: true },
      'skip-bad-rows': { type: 'boolean' },
      'data-dir': { type: 'string' },
      tokenizer: { type: 'string' },
      'chunk-size': { type: 'string' },
      overlap: { type: 'string' },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file) throw new LatheError('INVALID_ARGUMENTS', 'Which file should be imported?', `Usage: ${USAGE}`);
  if (values.format && !(TASK_FORMATS as readonly string[]).includes(values.format)) {
    throw new LatheError('INVALID_ARGUMENTS', `Unknown format "${values.format}".`, `Use one of: ${TASK_FORMATS.join(', ')}.`);
  }
  const chunkSize = positiveInt(values['chunk-size'], '--chunk-size');
  const overlap = positiveInt(values.overlap, '--overlap');
  const datasetName = values.name ?? path.basename(file).replace(/\.[^.]+$/, '');
  const onError = values['skip-bad-rows'] ? 'skip' : 'abort';
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  const stop = engine.ctx.events.listen('job.progress', (p) => {
    if (p.state === 'running' && process.stdout.isTTY) process.stdout.write(`\r  ${((p.fraction ?? 0) * 100).toFixed(0)}%  ${p.message}   `);
  });
  const nl = process.stdout.isTTY ? '\n' : '';
  try {
    if (await isDocuments(engine, file)) {
      const r = await engine.call('datasets.importDocuments', {
        path: file,
        datasetName,
        onError,
        ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}),
        ...(chunkSize !== undefined ? { chunkSize } : {}),
        ...(overlap !== undefined ? { overlap } : {}),
      });
      const c = r.chunking;
      process.stdout.write(
        `${nl}Imported ${r.rowsImported} text chunks as version ${r.versionNumber} (${r.contentHash.slice(0, 12)}) in ${(r.durationMs / 1000).toFixed(1)} s.\n` +
          (c ? `Chunks of ${c.size} ${c.unit} with ${c.overlap} overlap${c.tokenizer ? ` (tokenizer ${c.tokenizer})` : ''}.${c.note ? ` ${c.note}` : ''}\n` : '') +
          (r.rowsRejected ? `${r.rowsRejected} files skipped; see ${r.rejectsPath}\n` : '') +
          `Source sha256 ${r.sourceSha256}\n`,
      );
      await searchable(engine);
      return 0;
    }
    const format = values.format as TaskFormat | undefined;
    const maps = values.map?.length ? parseMaps(values.map) : null; // a malformed --map is said before the file is read
    const proposed = maps ? await engine.call('datasets.detect', { path: file, ...(format ? { format } : {}) }) : null;
    const mapping = proposed && maps ? { ...proposed.mapping, ...maps } : undefined;
    const detection = await engine.call('datasets.detect', { path: file, ...(format ? { format } : {}), ...(mapping ? { mapping } : {}) });
    process.stdout.write(`${path.basename(file)}: ${detection.fileType}, ${detection.encoding}, ${detection.format} (${Object.entries(detection.mapping).map(([k, v]) => `${k}←${v}`).join(', ')})\n`);
    if (detection.unusedFields.length) process.stdout.write(`Kept with each example, not trained on: ${detection.unusedFields.join(', ')}\n`);
    const existing = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === datasetName);
    const r = await engine.call('datasets.import', { path: file, datasetName, onError, format: detection.format, mapping: detection.mapping });
    process.stdout.write(
      `${nl}Imported ${r.rowsImported} examples as version ${r.versionNumber} (${r.contentHash.slice(0, 12)}) in ${(r.durationMs / 1000).toFixed(1)} s.\n` +
        (r.rowsRejected ? `${r.rowsRejected} rows rejected; see ${r.rejectsPath}\n` : '') +
        `Source sha256 ${r.sourceSha256}\n`,
    );
    if (existing?.latestVersion) {
      // Importing under a name that exists appends: say so, and what changed against the version it extends.
      const d = await engine.call('datasets.diff', { fromVersionId: existing.latestVersion.id, toVersionId: r.versionId });
      process.stdout.write(`"${datasetName}" already existed: this import added version ${r.versionNumber} after version ${existing.latestVersion.number} (+${d.added} added, ${d.unchanged} unchanged, -${d.removed} removed). Use --name to start a new dataset instead.\n`);
    }
    await searchable(engine);
    return 0;
  } finally {
    stop();
    await engine.dispose();
  }
}

/** The rows are committed; search catches up right after. The command waits for it, so `lathe` exits with all done. */
async function searchable(engine: Engine): Promise<void> {
  const pending = engine.ctx.searchIndex.pending();
  if (pending === 0) return;
  const started = Date.now();
  const left = await engine.ctx.searchIndex.ready(10 * 60_000);
  const nl = process.stdout.isTTY ? '\n' : '';
  process.stdout.write(left ? `${nl}${left} examples are not searchable yet; the next start of Lathe indexes them.\n` : `${nl}Indexed for search in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

/** Each --map FIELD=SLOT as {slot: field} (the source field FIELD feeds SLOT). */
function parseMaps(maps: string[]): ColumnMapping {
  const slots = Object.keys(columnMappingSchema.shape);
  const out: Record<string, string> = {};
  for (const m of maps) {
    const at = m.lastIndexOf('=');
    const slot = m.slice(at + 1);
    if (at < 1 || !slots.includes(slot)) throw new LatheError('INVALID_ARGUMENTS', `--map "${m}" is not FIELD=SLOT.`, `Slots: ${slots.join(', ')}. Example: --map better=chosen`);
    out[slot] = m.slice(0, at);
  }
  return out as ColumnMapping;
}
