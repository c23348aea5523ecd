import type Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent, ExampleMessage } from '../../shared/contract/features/datasets.js';
import { EXAMPLE_KIND_LABEL, exampleTurns } from '../../shared/datasets/example-text.js';
import type { ExportFormat, ExportManifest } from '../../shared/contract/features/dataset-export.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import { AuditLog } from '../audit/audit-log.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { exportQueries } from '../db/queries/dataset-export.js';
import { requireVersion, versionRows } from './version-writer.js';

export interface ExportOptions {
  versionId: string;
  format: ExportFormat;
  /** The .jsonl file to write; its manifest goes beside it as <name>.manifest.json. */
  outPath: string;
  split?: 'train' | 'validation' | 'test';
  overwrite?: boolean;
  actor: string;
}

/**
 * One line of the chosen format, or a sentence saying why this example cannot be written in it. "openai-chat" is
 * Lathe's full JSONL: each kind in the shape its importer detects (chat {messages, tools}; preference {prompt,
 * chosen, rejected} message lists; KTO {messages, label}), with every optional field and the source's unused
 * fields put back, so importing an export gives the same examples (same hashes).
 */
export function formatExample(content: ExampleContent, format: ExportFormat): Record<string, unknown> | string {
  if (format === 'text') return { text: content.kind === 'text' ? content.text : exampleTurns(content).map((m) => m.content).join('\n\n') };
  if (content.kind === 'text') return `a plain-text example cannot be written as ${format}`;
  if (format === 'openai-chat') return fullLine(content);
  if (content.kind !== 'chat') return `Alpaca holds one instruction and one answer; this is a ${EXAMPLE_KIND_LABEL[content.kind]}`;
  const system = content.messages[0]?.role === 'system' ? content.messages[0].content : null;
  const turns = system === null ? content.messages : content.messages.slice(1);
  if (turns.length !== 2 || turns[0]!.role !== 'user' || turns[1]!.role !== 'assistant' || turns[1]!.tool_calls || content.tools) {
    return `Alpaca holds one instruction and one answer; this example has ${turns.length} turns${content.tools ? ' and tools' : ''}`;
  }
  return { instruction: turns[0]!.content, input: '', output: turns[1]!.content, ...(system !== null ? { system } : {}), ...content.extra };
}

function fullLine(content: Exclude<ExampleContent, { kind: 'text' }>): Record<string, unknown> {
  const turn = ({ extra, ...m }: ExampleMessage) => ({ ...m, ...extra });
  const tail = { ...(content.tools ? { tools: content.tools } : {}), ...content.extra };
  switch (content.kind) {
    case 'chat':
      return { messages: content.messages.map(turn), ...tail };
    case 'preference':
      return { prompt: content.prompt.map(turn), chosen: content.chosen.map(turn), rejected: content.rejected.map(turn), ...tail };
    case 'kto':
      return { messages: content.messages.map(turn), label: content.label, ...tail };
  }
}

/**
 * Writes a version as JSONL plus a manifest (version hash, counts, source files and hashes, the chain of
 * operations). Both are written to temporary names and renamed into place, the data file first, so a crash
 * leaves either nothing or a complete pair; an example the format cannot hold stops the export before any rename.
 */
export function exportVersion(db: Database.Database, o: ExportOptions): { manifest: ExportManifest; path: string; manifestPath: string; audit: AuditEntry } {
  const version = requireVersion(db, o.versionId);
  const dataset = datasetQueries(db).datasetById(version.dataset_id)!;
  const outPath = path.resolve(o.outPath);
  const manifestPath = outPath.replace(/\.jsonl$/i, '') + '.manifest.json';
  if (!o.overwrite) {
    for (const p of [outPath, manifestPath]) {
      if (fs.existsSync(p)) throw new LatheError('INVALID_ARGUMENTS', `${p} already exists.`, 'Choose another file name, or allow overwriting.');
    }
  }
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const suffix = `.tmp-${randomBytes(4).toString('hex')}`;
  const tmpData = outPath + suffix;
  const tmpManifest = manifestPath + suffix;
  const fileHash = createHash('sha256');
  const bySplit: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  let lines = 0;
  let bytes = 0;
  const fd = fs.openSync(tmpData, 'wx');
  try {
    let chunk: string[] = [];
    const flush = () => {
      const buf = Buffer.from(chunk.join(''), 'utf8');
      fs.writeSync(fd, buf);
      fileHash.update(buf);
      bytes += buf.length;
      chunk = [];
    };
    for (const r of versionRows(db, version)) {
      if (o.split && r.split !== o.split) continue;
      const line = formatExample(JSON.parse(r.content) as ExampleContent, o.format);
      if (typeof line === 'string') {
        throw new LatheError('INVALID_ARGUMENTS', `Example ${r.position + 1} (${r.source}): ${line}.`, o.format === 'alpaca' ? 'Export as OpenAI chat, which keeps every turn.' : 'Export as plain text.');
      }
      chunk.push(JSON.stringify(line) + '\n');
      lines += 1;
      bySplit[r.split ?? 'none'] = (bySplit[r.split ?? 'none'] ?? 0) + 1;
      const file = r.source.includes(':') ? r.source.slice(0, r.source.indexOf(':')) : r.source;
      bySource[file] = (bySource[file] ?? 0) + 1;
      if (chunk.length >= 2000) flush();
    }
    flush();
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmpData, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  const q = exportQueries(db);
  const chain = q.lineage(version.id);
  const manifest: ExportManifest = {
    kind: 'lathe.dataset-export',
    manifestVersion: 1,
    dataset: { id: dataset.id, name: dataset.name },
    version: { id: version.id, number: version.number, contentHash: version.content_hash, exampleCount: version.example_count, createdAt: version.created_at, createdBy: version.created_by },
    format: o.format,
    split: o.split ?? null,
    file: { name: path.basename(outPath), sha256: fileHash.digest('hex'), bytes, lines },
    counts: { examples: lines, bySplit, bySource },
    sources: chain.flatMap((v) => q.importsOf(v.id)).map((s) => ({ path: s.source_path, sha256: s.source_sha256, bytes: s.source_bytes, format: s.format, rows: s.rows_imported, importedAt: s.created_at })),
    operations: chain.map((v) => ({ number: v.number, versionId: v.id, operation: v.operation, params: JSON.parse(v.params) as Record<string, unknown>, contentHash: v.content_hash, createdAt: v.created_at, createdBy: v.created_by })),
    exportedAt: new Date().toISOString(),
    exportedBy: o.actor,
  };
  try {
    fs.writeFileSync(tmpManifest, JSON.stringify(manifest, null, 2) + '\n', { flag: 'wx' });
    fs.renameSync(tmpData, outPath);
    fs.renameSync(tmpManifest, manifestPath);
  } catch (err) {
    fs.rmSync(tmpData, { force: true });
    fs.rmSync(tmpManifest, { force: true });
    throw new LatheError('INTERNAL', `Could not write the export: ${(err as Error).message}.`, 'Check that the folder is writable and has free space, then export again.');
  }
  const audit = new AuditLog(db).append({
    actor: o.actor,
    action: 'dataset.export',
    objectType: 'dataset_version',
    objectId: version.id,
    details: { path: outPath, format: o.format, split: o.split ?? null, sha256: manifest.file.sha256, lines, contentHash: version.content_hash },
  });
  return { manifest, path: outPath, manifestPath, audit };
}

/** Where an export goes when the caller names no file: the data folder, named after dataset, version and format. */
export function defaultExportPath(dataDir: string, datasetName: string, versionNumber: number, format: ExportFormat, split?: string): string {
  const safe = datasetName.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'dataset';
  return path.join(dataDir, 'exports', 'datasets', `${safe}-v${versionNumber}${split ? `-${split}` : ''}.${format}.jsonl`);
}
