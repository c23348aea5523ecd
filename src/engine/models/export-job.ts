import crypto, { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { EXPORT_FORMATS, type ExportFormat, type ExportSummary } from '../../shared/contract/features/exports.js';
import type { EngineContext } from '../context.js';
import { exportQueries, type ExportFileRow } from '../db/queries/exports.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { requireDb } from '../require-db.js';
import { toExportSummary } from './export-rows.js';
import { runExportPython } from './export-python.js';
import { readGgufHeader } from './gguf-header.js';
import { convertHfToGguf, quantizeGguf } from './llama-converters.js';
import { modelCard } from './model-card.js';
import { slug } from './model-convert.js';
import { hashModelFiles } from './model-hash.js';
import { rowFromInspection } from './model-import.js';
import { inspectModelPath } from './model-inspect.js';
import { runModelJob, type Report } from './model-job.js';
import { ollamaModelfile } from './ollama-modelfile.js';

export interface CreateExportArgs {
  modelId: string;
  formats?: ExportFormat[] | undefined;
  name?: string | undefined;
  intendedUse?: string | undefined;
  limitations?: string | undefined;
  jobId?: string | undefined;
}

const GGUF_FORMATS: Array<{ format: ExportFormat; quant: string }> = [
  { format: 'gguf-f16', quant: 'F16' }, { format: 'gguf-q8_0', quant: 'Q8_0' }, { format: 'gguf-q4_k_m', quant: 'Q4_K_M' },
];

/**
 * One export folder: merged safetensors (adapter folded into its base), GGUFs converted from that merged model,
 * an Ollama Modelfile, a model card and SHA256SUMS. Every artefact is verified before the export counts: the
 * merged model's logits against base+adapter (fp32, max |Δ| < 1e-4), every GGUF by a header check and a real
 * generation in the inference host. The row is 'running' while it works, then 'draft' — or 'failed' with the
 * reason, and the partial folder removed.
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
  const id = randomUUID();
  const name = args.name ?? `${source.name} export`;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const dir = path.join(ctx.dataDir, 'exports', `${slug(name)}-${stamp}-${id.slice(0, 8)}`);
  const createdAt = new Date().toISOString();
  q.insert({
    id, name, model_id: source.id, base_model_id: base?.id ?? null, run_id: source.run_id, path: dir, formats: JSON.stringify(formats),
    status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: createdAt, finished_at: null, created_by: ctx.actor,
  });

  return runModelJob(ctx, { jobId: args.jobId, kind: 'export.create', label: `Export ${name}` }, async (report, signal) => {
    const verification: Record<string, unknown> = {};
    try {
      fs.mkdirSync(dir, { recursive: true });
      const artefacts: Array<{ path: string; what: string }> = [];
      const fileMeta = new Map<string, { format: string; quant: string | null }>();
      // 1. The HF folder GGUFs are made from: the merged model, or the source model itself.
      let hfDir = source.path;
      const mergedDir = path.join(dir, formats.includes('merged') ? 'merged' : '.merged-work');
      if (base) {
        const merged = await runExportPython(['merge', '--base', base.path, '--adapter', source.path, '--out', mergedDir], {
          dataDir: ctx.dataDir, signal, onProgress: (f, m) => report(f === null ? null : f * 0.25, m),
        });
        const check = await runExportPython(['compare-logits', '--base', base.path, '--adapter', source.path, '--merged', mergedDir], {
          dataDir: ctx.dataDir, signal, onProgress: (f, m) => report(f === null ? null : 0.25 + f * 0.1, `Logits check: ${m}`),
        });
        verification.merged = { dtype: merged.dtype, maxAbsDiff: check.max_abs_diff, tolerance: check.tolerance, passed: check.passed, prompts: check.prompts };
        if (!check.passed) {
          throw new LatheError('INTERNAL', `The merged model's logits differ from base+adapter by ${Number(check.max_abs_diff).toExponential(2)} (tolerance ${check.tolerance}).`, 'The merge is not faithful; report this with the export log. Nothing was exported.');
        }
        hfDir = mergedDir;
        if (formats.includes('merged')) {
          artefacts.push({ path: 'merged/', what: `merged safetensors (${String(merged.dtype)}), for vLLM/TGI/transformers` });
          for (const f of fs.readdirSync(mergedDir)) fileMeta.set(`merged/${f}`, { format: 'merged', quant: String(merged.dtype) });
        }
      }
      // 2. GGUFs: F16 first (k-quants are made from it), then Q8_0 with the converter, Q4_K_M with llama-quantize.
      const stem = slug(name);
      const ggufPaths: Array<{ file: string; quant: string }> = [];
      const f16Needed = ggufs.some((g) => g.quant === 'F16' || g.quant === 'Q4_K_M');
      const f16File = path.join(dir, `${stem}-f16.gguf`);
      const span = (i: number, n: number): Report => (f, m) => report(f === null ? null : 0.35 + 0.45 * ((i + f) / n), m);
      const steps = (f16Needed ? 1 : 0) + ggufs.filter((g) => g.quant !== 'F16').length;
      let step = 0;
      if (f16Needed) await convertHfToGguf(hfDir, f16File, 'f16', { signal, dataDir: ctx.dataDir, onProgress: span(step++, steps) });
      for (const g of ggufs) {
        const file = path.join(dir, `${stem}-${g.quant.toLowerCase()}.gguf`);
        if (g.quant === 'Q8_0') await convertHfToGguf(hfDir, file, 'q8_0', { signal, dataDir: ctx.dataDir, onProgress: span(step++, steps) });
        if (g.quant === 'Q4_K_M') await quantizeGguf(f16File, file, 'Q4_K_M', { signal, dataDir: ctx.dataDir, onProgress: span(step++, steps) });
        ggufPaths.push({ file, quant: g.quant });
        fileMeta.set(path.basename(file), { format: 'gguf', quant: g.quant });
        artefacts.push({ path: path.basename(file), what: `GGUF ${g.quant}, for llama.cpp, Ollama, LM Studio` });
      }
      if (f16Needed && !ggufs.some((g) => g.quant === 'F16')) fs.rmSync(f16File, { force: true });
      if (!formats.includes('merged')) fs.rmSync(path.join(dir, '.merged-work'), { recursive: true, force: true });
      // 3. Every GGUF must pass the header check and generate in node-llama-cpp (the inference host).
      const ggufChecks: Record<string, unknown> = {};
      for (const [i, g] of ggufPaths.entries()) {
        report(0.8 + 0.1 * (i / Math.max(1, ggufPaths.length)), `Loading ${path.basename(g.file)} in llama.cpp`);
        readGgufHeader(g.file);
        const answer = await ctx.inference.client().send('inference.chat', {
          requestId: `export-verify-${id}-${i}`, modelPath: g.file, prompt: 'Hello', maxTokens: 8, temperature: 0, seed: 0,
        });
        if (answer.tokens < 1) throw new LatheError('INFERENCE_FAILED', `${path.basename(g.file)} loaded but generated nothing.`, 'The conversion may be broken; report this with the export log.');
        ggufChecks[path.basename(g.file)] = { loaded: true, generatedTokens: answer.tokens, sample: answer.text.slice(0, 80) };
      }
      await ctx.inference.client().send('inference.unloadAll', {}).catch(() => undefined);
      if (ggufPaths.length) verification.gguf = ggufChecks;
      // 4. Modelfile (smallest GGUF for Ollama), model card, SHA256SUMS.
      if (formats.includes('modelfile')) {
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
        q.finish(id, 'draft', fileRows, manifest, verification, null);
        return audit.append({ actor: ctx.actor, action: 'export.create', objectType: 'export', objectId: id, details: { name, modelId: source.id, formats, path: dir, manifestSha256: manifest, status: 'draft' } });
      })();
      ctx.events.emit('audit.appended', entry);
      return { result: toExportSummary(q.get(id)!, q.files(id)), message: `Exported ${fileRows.length} files to ${dir} (draft)` };
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
