import fs from 'node:fs';
import path from 'node:path';
import { DOCUMENT_EXTENSIONS } from '../../engine/datasets/documents.js';
import { LatheError } from '../../shared/contract/errors.js';
import { TASK_FORMATS, type TaskFormat } from '../../shared/contract/features/datasets.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { parseFlags } from '../args.js';

/** A folder, or a .txt/.md file, is a document import (text chunks for continued pre-training). */
function isDocuments(target: string): boolean {
  return fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() === true || DOCUMENT_EXTENSIONS.has(path.extname(target).toLowerCase());
}

const USAGE = 'lathe import FILE|FOLDER [--name DATASET] [--format openai-chat|sharegpt|alpaca|prompt-completion|text] [--skip-bad-rows] [--data-dir DIR]';

/** Imports task data into a dataset (a new one, or a new version of an existing one), with live progress. */
export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { name: { type: 'string' }, format: { type: 'string' }, 'skip-bad-rows': { type: 'boolean' }, 'data-dir': { type: 'string' } },
    USAGE,
  );
  const file = positionals[0];
  if (!file) throw new LatheError('INVALID_ARGUMENTS', 'Which file should be imported?', `Usage: ${USAGE}`);
  if (values.format && !(TASK_FORMATS as readonly string[]).includes(values.format)) {
    throw new LatheError('INVALID_ARGUMENTS', `Unknown format "${values.format}".`, `Use one of: ${TASK_FORMATS.join(', ')}.`);
  }
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    if (isDocuments(file)) {
      const r = await engine.call('datasets.importDocuments', { path: file, datasetName: values.name ?? path.basename(file).replace(/\.[^.]+$/, '') });
      process.stdout.write(`Imported ${r.rowsImported} text chunks as version ${r.versionNumber} (${r.contentHash.slice(0, 12)}); source sha256 ${r.sourceSha256}\n`);
      return 0;
    }
    const detection = await engine.call('datasets.detect', { path: file, ...(values.format ? { format: values.format as TaskFormat } : {}) });
    process.stdout.write(`${path.basename(file)}: ${detection.fileType}, ${detection.encoding}, ${detection.format} (${Object.entries(detection.mapping).map(([k, v]) => `${k}←${v}`).join(', ')})\n`);
    const stop = engine.ctx.events.listen('job.progress', (p) => {
      if (p.state === 'running' && process.stdout.isTTY) process.stdout.write(`\r  ${((p.fraction ?? 0) * 100).toFixed(0)}%  ${p.message}   `);
    });
    const r = await engine.call('datasets.import', {
      path: file,
      datasetName: values.name ?? path.basename(file).replace(/\.[^.]+$/, ''),
      onError: values['skip-bad-rows'] ? 'skip' : 'abort',
      ...(values.format ? { format: values.format as TaskFormat } : {}),
    });
    stop();
    process.stdout.write(
      `${process.stdout.isTTY ? '\n' : ''}Imported ${r.rowsImported} examples as version ${r.versionNumber} (${r.contentHash.slice(0, 12)}) in ${(r.durationMs / 1000).toFixed(1)} s.\n` +
        (r.rowsRejected ? `${r.rowsRejected} rows rejected; see ${r.rejectsPath}\n` : '') +
        `Source sha256 ${r.sourceSha256}\n`,
    );
    return 0;
  } finally {
    await engine.dispose();
  }
}
