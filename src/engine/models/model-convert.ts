import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { GgufOuttype, ModelSummary } from '../../shared/contract/features/models.js';
import type { EngineContext } from '../context.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { requireDb } from '../require-db.js';
import { convertHfToGguf, convertLoraToGguf, K_QUANTS, quantizeGguf, type ConverterOuttype } from './llama-converters.js';
import { rowFromInspection } from './model-import.js';
import { hashModelFiles } from './model-hash.js';
import { inspectModelPath } from './model-inspect.js';
import { runModelJob, type Report } from './model-job.js';
import { toModelSummary } from './model-rows.js';
import { ggufModelName } from './export-ggufs.js';

const isKQuant = (t: GgufOuttype) => (K_QUANTS as readonly string[]).includes(t);
const QUANTIZABLE_SOURCES = ['F32', 'F16', 'BF16'];

/** Writes `outFile` from a registered model; returns nothing, throws a LatheError that says why not. */
export async function produceGguf(ctx: EngineContext, source: ModelRow, outtype: GgufOuttype, outFile: string, report: Report, signal: AbortSignal): Promise<void> {
  const q = modelQueries(requireDb(ctx).db);
  const opts = { signal, dataDir: ctx.dataDir, onProgress: report, modelName: ggufModelName(source.path, source.name) };
  if (source.kind === 'adapter') {
    if (isKQuant(outtype)) throw new LatheError('INVALID_ARGUMENTS', `A LoRA adapter cannot be converted to ${outtype}.`, 'Convert adapters to F16, BF16 or Q8_0; k-quants apply to full models.');
    const base = source.parent_id ? q.get(source.parent_id) : undefined;
    if (!base || base.format !== 'hf') {
      throw new LatheError('INVALID_ARGUMENTS', `Adapter ${source.name} has no registered Hugging Face base model.`, 'Import the base model folder, then import the adapter with that model as its parent.');
    }
    return convertLoraToGguf(source.path, base.path, outFile, outtype.toLowerCase() as ConverterOuttype, opts);
  }
  if (source.format === 'hf') {
    if (!isKQuant(outtype)) return convertHfToGguf(source.path, outFile, outtype.toLowerCase() as ConverterOuttype, opts);
    const f16 = `${outFile}.f16.tmp`;
    try {
      await convertHfToGguf(source.path, f16, 'f16', { ...opts, onProgress: (f, m) => report(f === null ? null : f * 0.5, m) });
      await quantizeGguf(f16, outFile, outtype, { ...opts, onProgress: (f, m) => report(f === null ? null : 0.5 + f * 0.5, m) });
    } finally {
      fs.rmSync(f16, { force: true });
    }
    return;
  }
  if (source.kind === 'gguf') {
    if (!QUANTIZABLE_SOURCES.includes(source.quantization ?? '') || outtype === 'F16' || outtype === 'BF16') {
      throw new LatheError('INVALID_ARGUMENTS', `${source.name} is already ${source.quantization ?? 'quantised'}; requantising it to ${outtype} would lose quality.`,
        'Convert from the Hugging Face model or from an F16/BF16/F32 GGUF instead.');
    }
    return quantizeGguf(source.path, outFile, outtype, opts);
  }
  throw new LatheError('INVALID_ARGUMENTS', `A ${source.kind} model cannot be converted.`, 'Pick a Hugging Face model, a PEFT adapter or an F16 GGUF.');
}

/** Conversion job: produce the GGUF under <data>/models/<id>/, validate its header, hash it, register it with its parent. */
export async function convertModel(ctx: EngineContext, args: { modelId: string; outtype: GgufOuttype; jobId?: string | undefined }): Promise<{ model: ModelSummary }> {
  const { db, audit } = requireDb(ctx);
  const q = modelQueries(db);
  const source = q.get(args.modelId);
  if (!source) throw new LatheError('NOT_FOUND', `No model ${args.modelId}.`, 'Pick a model from the registry (lathe models list).');
  const id = randomUUID();
  const dir = path.join(ctx.dataDir, 'models', id);
  const outFile = path.join(dir, `${slug(source.name)}-${args.outtype}.gguf`);
  // The same conversion of the same model twice at once would only race for the same work: the second is refused.
  const job = { kind: 'model.convert', label: `Convert ${source.name} → ${args.outtype}`, subject: { type: 'model' as const, id: source.id }, exclusiveKey: `model.convert:${source.id}:${args.outtype}` };
  return runModelJob(ctx, { jobId: args.jobId, ...job }, async (report, signal) => {
    fs.mkdirSync(dir, { recursive: true });
    try {
      await produceGguf(ctx, source, args.outtype, outFile, (f, m) => report(f === null ? null : f * 0.9, m), signal);
      const inspection = inspectModelPath(outFile); // the header check llama.cpp will rely on
      const hashed = await hashModelFiles(outFile, null, { signal, onProgress: (p) => report(0.9 + 0.1 * (p.bytes / Math.max(1, p.totalBytes)), 'Hashing the output') });
      const row = rowFromInspection(inspection, {
        id, name: `${source.name} · ${args.outtype}`, path: outFile, sha256: hashed.sha256, sizeBytes: hashed.sizeBytes,
        parentId: source.id, runId: source.run_id, copied: true, actor: ctx.actor,
        extraDetails: { convertedFrom: { id: source.id, sha256: source.sha256 }, outtype: args.outtype },
      });
      if (isKQuant(args.outtype) || args.outtype === 'Q8_0') row.quantization = args.outtype;
      const entry = db.transaction(() => {
        q.insert(row);
        return audit.append({ actor: ctx.actor, action: 'model.convert', objectType: 'model', objectId: id, details: { from: source.id, fromSha256: source.sha256, outtype: args.outtype, kind: row.kind, sha256: row.sha256, path: outFile } });
      })();
      ctx.events.emit('audit.appended', entry);
      return { result: { model: toModelSummary(row) }, message: `${row.name} registered (sha256 ${row.sha256.slice(0, 12)})` };
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  });
}

export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
}
