import crypto, { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { EXPORT_FORMATS, type ExportFormat, type ExportSummary, type MergedDtype } from '../../shared/contract/features/exports.js';
import type { EngineContext } from '../context.js';
import { exportQueries, type ExportFileRow } from '../db/queries/exports.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { requireDb } from '../require-db.js';
import { toExportSummary } from './export-rows.js';
import { runExportPython } from './export-python.js';
import { writeVerifiedGgufs, type GgufQuant } from './export-ggufs.js';
import { modelCard } from './model-card.js';
import { slug } from './model-convert.js';
import { hashModelFiles } from './model-hash.js';
import { rowFromInspection } from './model-import.js';
import { inspectModelPath } from './model-inspect.js';
import { runModelJob } from './model-job.js';
import { ownerColumns } from './export-reconcile.js';
import { identify } from '../process-identity.js';
import { ollamaModelfile } from './ollama-modelfile.js';

export interface CreateExportArgs {
  modelId: string;
  formats?: ExportFormat[] | undefined;
  mergedDtype?: MergedDtype | undefined;
  name?: string | undefined;
  intendedUse?: string | undefined;
  limitations?: string | undefined;
  jobId?: string | undefined;
}

const GGUF_FORMATS: Array<{ format: ExportFormat; quant: GgufQuant }> = [
  { format: 'gguf-f16', quant: 'F16' }, { format: 'gguf-q8_0', quant: 'Q8_0' }, { format: 'gguf-q4_k_m', quant: 'Q4_K_M' },
];

/**
 * One export folder: merged safetensors (adapter folded into its base), GGUFs converted from that merged model,
 * an Ollama Modelfile, a model card and SHA256SUMS. Every artefact is verified before the export counts: the
 * merged model's fold and saved file against base+adapter (compare.py), every GGUF against the HF model it was
 * converted from (metadata, token ids, next-token distributions in llama.cpp; gguf-verify.ts). The row is
 * 'running' while it works, then 'draft' — with `error` naming any GGUF that could not be made or verified
 * (its file removed, the rest kept) — or 'failed' with the reason and the partial folder removed.
 */
export async function createExport(ctx: EngineContext, args: CreateExportArgs): Promise<ExportSummary> {
  const { db, audit } = requireDb(ctx);
  const models = modelQueries(db);
  const q = exportQueries(db);
  const source = models.get(args.modelId);
  if (!source) throw new LatheError('NOT_FOUND', `No model ${args.modelId}.`, 'Pick a registered model or adapter.');
  const formats = [...new Set(args.formats ?? EXPORT_FORMATS.filter((f) => f !== 'merged' || source.kind === 'adapter'))];
  const base = source.kind === 'adapter' ? (source.parent_id ? models.get(source.parent_id) ?? null : null) : null;
  if (source.kind === 'adapter' && (!base || base.format !== 'hf')) {
    throw new LatheError('INVALID_ARGUMENTS', `Adapter ${source.name} has no registered Hugging Face base model.`, 'Import the base model folder, then the adapter with that base as its parent.');
  }
  if (source.format !== 'hf' && source.kind !== 'adapter') {
    throw new LatheError('INVALID_ARGUMENTS', `${source.name} is a ${source.kind} file; exports start from a Hugging Face model or a PEFT adapter.`, 'Pick the adapter (or the HF model) this file was made from.');
  }
  if (formats.includes('merged') && source.kind !== 'adapter') {
    throw new LatheError('INVALID_ARGUMENTS', 'A merged export needs an adapter to fold into its base.', 'Pick a trained adapter, or leave "merged" out for a plain model.');
  }
  const ggufs = GGUF_FORMATS.filter((g) => formats.includes(g.format));
  if (formats.includes('modelfile') && !ggufs.length) {
    throw new LatheError('INVALID_ARGUMENTS', 'An Ollama Modelfile needs a GGUF in the same export.', 'Add GGUF F16, Q8_0 or Q4_K_M to the formats.');
  }
  // One export of a model at a time: refused before its row or folder exist, so a refusal leaves nothing behind.
  const exclusiveKey = `export.create:${source.id}`;
  ctx.jobs.refuseIfRunning(exclusiveKey);
  const id = randomUUID();
  const name = args.name ?? `${source.name} export`;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const dir = path.join(ctx.dataDir, 'exports', `${slug(name)}-${stamp}-${id.slice(0, 8)}`);
  const createdAt = new Date().toISOString();
  q.insert({
    id, name, model_id: source.id, base_model_id: base?.id ?? null, run_id: source.run_id, path: dir, formats: JSON.stringify(formats),
    status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: createdAt, finished_at: null, created_by: ctx.actor,
    ...ownerColumns(identify(process.pid)),
  });

  return runModelJob(ctx, { jobId: args.jobId, kind: 'export.create', label: `Export ${name}`, subject: { type: 'model', id: source.id }, exclusiveKey }, async (report, signal) => {
    const verification: Record<string, unknown> = {};
    try {
      fs.mkdirSync(dir, { recursive: true });
      const artefacts: Array<{ path: string; what: string }> = [];
      const fileMeta = new Map<string, { format: string; quant: string | null }>();
      // 1. The HF folder GGUFs are made from: the merged model, or the source model itself.
      let hfDir = source.path;
      const mergedDir = path.join(dir, formats.includes('merged') ? 'merged' : '.merged-work');
      if (base) {
        const merged = await runExportPython(['merge', '--base', base.path, '--adapter', source.path, '--out', mergedDir, '--dtype', args.mergedDtype ?? 'auto'], {
          dataDir: ctx.dataDir, signal, onProgress: (f, m) => report(f === null ? null : f * 0.25, m),
        });
        const check = await runExportPython(['compare-logits', '--base', base.path, '--adapter', source.path, '--merged', mergedDir], {
          dataDir: ctx.dataDir, signal, onProgress: (f, m) => report(f === null ? null : 0.25 + f * 0.1, `Logits check: ${m}`),
        });
        verification.merged = {
          dtype: merged.dtype, maxAbsDiff: check.max_abs_diff, tolerance: check.tolerance, passed: check.passed, prompts: check.prompts,
          // what saving in a narrower dtype changed (measured, not judged): the cost of the dtype chosen
          roundingMaxAbsDiff: check.rounding_max_abs_diff ?? 0,
        };
        if (!check.passed) {
          throw new LatheError('INTERNAL', `The merged model's logits differ from base+adapter by ${Number(check.max_abs_diff).toExponential(2)} (tolerance ${check.tolerance}).`, 'The merge is not faithful; report this with the export log. Nothing was exported.');
        }
        hfDir = mergedDir;
        if (formats.includes('merged')) {
          artefacts.push({ path: 'merged/', what: `merged safetensors (${String(merged.dtype)}), for vLLM/TGI/transformers` });
          // Only the weights carry the dtype; config and tokenizer files are text (they were listed as "float32").
          for (const f of fs.readdirSync(mergedDir)) fileMeta.set(`merged/${f}`, { format: 'merged', quant: f.endsWith('.safetensors') ? String(merged.dtype) : null });
        }
      }
      // 2. GGUFs, each checked against the HF folder it came from (metadata, token ids, next-token distributions —
      //    not whether it chooses to say something: EOS is a valid answer). One failing quant keeps the rest.
      const gguf = await writeVerifiedGgufs(ctx, {
        hfDir, dir, stem: slug(name), modelName: name, quants: ggufs.map((g) => g.quant), signal, report: (f, m) => report(f === null ? null : 0.35 + 0.55 * f, m),
      });
      if (!formats.includes('merged')) fs.rmSync(path.join(dir, '.merged-work'), { recursive: true, force: true });
      const ggufPaths = gguf.made.map(({ file, quant }) => ({ file, quant }));
      for (const g of gguf.made) {
        fileMeta.set(path.basename(g.file), { format: 'gguf', quant: g.quant });
        artefacts.push({ path: path.basename(g.file), what: `GGUF ${g.quant}, for llama.cpp, Ollama, LM Studio` });
      }
      if (gguf.made.length) verification.gguf = Object.fromEntries(gguf.made.map((g) => [path.basename(g.file), g.check]));
      if (gguf.failed.length) verification.ggufFailed = Object.fromEntries(gguf.failed.map((f) => [f.quant, f.error]));
      const partial = gguf.failed.length ? `Not exported: ${gguf.failed.map((f) => `GGUF ${f.quant} (${f.error})`).join('; ')}` : null;
      if (partial && !gguf.made.length && !formats.includes('merged')) {
        throw new LatheError('INFERENCE_FAILED', partial, 'Nothing else was asked for, so nothing was exported. Try F16 or Q8_0, and report this with the export log.');
      }
      const modelfileFormats = formats.filter((f) => f !== 'modelfile' || ggufPaths.length);
      // 4. Modelfile (smallest GGUF for Ollama), model card, SHA256SUMS.
      if (modelfileFormats.includes('modelfile')) {
        const pick = ggufPaths.find((g) => g.quant === 'Q4_K_M') ?? ggufPaths.find((g) => g.quant === 'Q8_0') ?? ggufPaths[0]!;
        const mf = ollamaModelfile({ ggufFile: path.basename(pick.file), chatTemplate: (base ?? source).chat_template, contextLength: (base ?? source).context_length });
        fs.writeFileSync(path.join(dir, 'Modelfile'), mf.text);
        fileMeta.set('Modelfile', { format: 'modelfile', quant: null });
        artefacts.push({ path: 'Modelfile', what: `Ollama Modelfile (FROM ./${path.basename(pick.file)}${mf.templateFamily ? `, ${mf.templateFamily} template` : ''})` });
      }
      const run = source.run_id ? q.runFacts(source.run_id) ?? null : null;
      fs.writeFileSync(path.join(dir, 'README.md'), modelCard({
        name, exportId: id, source, base, run, trainLoss: source.run_id ? q.lastMetric(source.run_id, 'loss') ?? null : null, evals: [],
        artefacts, verification, intendedUse: args.intendedUse, limitations: args.limitations, createdBy: ctx.actor, createdAt,
      }));
      fileMeta.set('README.md', { format: 'model-card', quant: null });
      report(0.92, 'Hashing every file');
      const rels = [...fileMeta.keys()].sort();
      const hashed = await hashModelFiles(dir, rels, { signal, onProgress: (p) => report(0.92 + 0.07 * (p.bytes / Math.max(1, p.totalBytes)), `Hashing ${p.file}`) });
      fs.writeFileSync(path.join(dir, 'SHA256SUMS'), hashed.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
      const manifest = (await hashModelFiles(path.join(dir, 'SHA256SUMS'), null)).sha256;
      const fileRows: ExportFileRow[] = hashed.files.map((f) => ({ export_id: id, path: f.path, format: fileMeta.get(f.path)!.format, quant: fileMeta.get(f.path)!.quant, sha256: f.sha256, bytes: f.bytes }));
      const entry = db.transaction(() => {
        registerArtefacts(ctx, { dir, source, ggufPaths, mergedDir: formats.includes('merged') ? mergedDir : null, hashed: hashed.files, name });
        q.finish(id, 'draft', fileRows, manifest, verification, partial);
        return audit.append({ actor: ctx.actor, action: 'export.create', objectType: 'export', objectId: id, details: { name, modelId: source.id, formats, path: dir, manifestSha256: manifest, status: 'draft', ...(partial ? { notExported: gguf.failed } : {}) } });
      })();
      ctx.events.emit('audit.appended', entry);
      return { result: toExportSummary(q.get(id)!, q.files(id)), message: `Exported ${fileRows.length} files to ${dir} (draft)${partial ? `. ${partial}` : ''}` };
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      const entry = db.transaction(() => {
        q.finish(id, 'failed', [], null, verification, (err as Error).message);
        return audit.append({ actor: ctx.actor, action: 'export.failed', objectType: 'export', objectId: id, details: { name, modelId: source.id, error: (err as Error).message } });
      })();
      ctx.events.emit('audit.appended', entry);
      throw err;
    }
  });
}

/** The exported merged model and GGUFs join the registry (children of the source), so the playground can load them. */
function registerArtefacts(
  ctx: EngineContext,
  o: { dir: string; source: ModelRow; ggufPaths: Array<{ file: string; quant: string }>; mergedDir: string | null; hashed: Array<{ path: string; sha256: string; bytes: number }>; name: string },
): void {
  const models = modelQueries(requireDb(ctx).db);
  let parent = o.source.id;
  if (o.mergedDir) {
    const files = o.hashed.filter((f) => f.path.startsWith('merged/'));
    const sha = (files.map((f) => `${f.path.slice(7)}\t${f.sha256}\n`).join(''));
    const row = rowFromInspection(inspectModelPath(o.mergedDir), {
      id: randomUUID(), name: `${o.name} · merged`, path: o.mergedDir, sha256: createHash(sha), sizeBytes: files.reduce((s, f) => s + f.bytes, 0),
      parentId: o.source.id, runId: o.source.run_id, copied: true, actor: ctx.actor,
    });
    row.kind = 'merged';
    models.insert(row);
    parent = row.id;
  }
  for (const g of o.ggufPaths) {
    const f = o.hashed.find((h) => h.path === path.basename(g.file))!;
    const row = rowFromInspection(inspectModelPath(g.file), {
      id: randomUUID(), name: `${o.name} · ${g.quant}`, path: g.file, sha256: f.sha256, sizeBytes: f.bytes, parentId: parent, runId: o.source.run_id, copied: true, actor: ctx.actor,
    });
    row.quantization = g.quant;
    models.insert(row);
  }
}

function createHash(text: string): string {
  // The folder identity used by the registry: sha256 of "path<TAB>sha256" lines (see model-hash.ts).
  return crypto.createHash('sha256').update(text).digest('hex');
}
