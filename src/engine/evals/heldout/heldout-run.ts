import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/contract/errors.js';
import type { ExampleContent } from '../../../shared/contract/features/datasets.js';
import type { HeldoutResult } from '../../../shared/contract/features/heldout.js';
import type { ParsedArgsOf } from '../../../shared/contract/index.js';
import type { EngineContext } from '../../context.js';
import { datasetQueries } from '../../db/queries/datasets.js';
import { heldoutQueries, type HeldoutListRow, type HeldoutRow } from '../../db/queries/heldout.js';
import { modelQueries, type ModelRow } from '../../db/queries/models.js';
import { runModelJob } from '../../models/model-job.js';
import { requireDb } from '../../require-db.js';
import { runPerplexityPython } from './perplexity-python.js';

type Args = ParsedArgsOf<'evals.perplexity'>;
const PAGE = 5000;

/** The HF folder to load and the adapter on it: an HF model alone, or a PEFT adapter on its registered base. */
export function resolvePerplexityTarget(models: ReturnType<typeof modelQueries>, modelId: string): { base: ModelRow; adapter: ModelRow | null } {
  const model = models.get(modelId);
  if (!model) throw new LatheError('NOT_FOUND', `There is no model ${modelId}.`, 'Pick a registered model or adapter.');
  if (model.kind === 'adapter' || model.format === 'peft') {
    const base = model.parent_id ? models.get(model.parent_id) : undefined;
    if (!base || base.format !== 'hf') {
      throw new LatheError('INVALID_ARGUMENTS', `Adapter ${model.name} has no registered Hugging Face base model.`, 'Import the base model folder, then the adapter with that base as its parent.');
    }
    return { base, adapter: model };
  }
  if (model.format !== 'hf') {
    throw new LatheError('INVALID_ARGUMENTS', `${model.name} is a ${model.format.toUpperCase()} file; perplexity runs in the trainer on Hugging Face weights.`, 'Pick the HF model or the adapter this file was made from.');
  }
  return { base: model, adapter: null };
}

/** Writes one split of a version as the trainer's JSONL: text rows as {text}, chats as {messages}. */
/** The conversation whose answer tokens are scored: a pair's prompt and chosen answer; a KTO row's messages. */
const heldoutTurns = (content: Exclude<ExampleContent, { kind: 'text' }>) => (content.kind === 'preference' ? [...content.prompt, ...content.chosen] : content.messages);

export function materializeHeldout(ctx: EngineContext, versionId: string, split: Args['split'], file: string): number {
  const q = datasetQueries(requireDb(ctx).db);
  const version = q.versionById(versionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Pick a dataset version.');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  let count = 0;
  try {
    for (let offset = 0; offset < version.example_count; offset += PAGE) {
      for (const r of q.page(versionId, offset, PAGE)) {
        if (split !== 'all' && r.split !== split) continue;
        const content = JSON.parse(r.content) as ExampleContent;
        fs.writeSync(fd, JSON.stringify(content.kind === 'text' ? { text: content.text } : { messages: heldoutTurns(content) }) + '\n');
        count += 1;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (count === 0) {
    throw new LatheError('INVALID_ARGUMENTS', `Dataset version ${version.number} has no examples in the ${split} split.`, split === 'all' ? 'Pick a version with examples.' : 'Split the version first (Datasets → Split), or choose split "all".');
  }
  return count;
}

export async function measurePerplexity(ctx: EngineContext, args: Args): Promise<HeldoutResult> {
  const { db, audit } = requireDb(ctx);
  const { base, adapter } = resolvePerplexityTarget(modelQueries(db), args.modelId);
  const id = randomUUID();
  const work = path.join(ctx.dataDir, 'heldout', id);
  const label = adapter ? `${adapter.name} on ${base.name}` : base.name;
  try {
    return await runModelJob(ctx, { jobId: args.jobId, kind: 'evals.perplexity', label: `Perplexity · ${label}` }, async (report, signal) => {
      const dataFile = path.join(work, 'heldout.jsonl');
      materializeHeldout(ctx, args.datasetVersionId, args.split, dataFile);
      const configPath = path.join(work, 'ppl.json');
      fs.writeFileSync(configPath, JSON.stringify({
        model: base.path, adapter: adapter?.path ?? null, data: [dataFile], device: args.device,
        max_seq_len: args.maxSeqLen ?? null, stride: args.stride ?? null, max_documents: args.maxDocuments ?? null,
      }, null, 2));
      const out = await runPerplexityPython(configPath, { dataDir: ctx.dataDir, signal, onProgress: report });
      const device = out.device.kind === 'cpu' || !out.device.name ? (out.device.torch ?? 'cpu') : `${out.device.torch ?? out.device.kind} · ${out.device.name}`;
      const row: HeldoutRow = {
        id, model_id: base.id, model_sha256: base.sha256, adapter_id: adapter?.id ?? null, adapter_sha256: adapter?.sha256 ?? out.adapter_sha256 ?? null,
        label, dataset_version_id: args.datasetVersionId, split: args.split, documents: out.documents, tokens: out.tokens,
        loss: out.loss, ppl: out.ppl, max_seq_len: out.max_seq_len, stride: out.stride, device, precision: out.precision,
        seconds: out.seconds, per_document: JSON.stringify(out.per_document), created_at: new Date().toISOString(), created_by: ctx.actor,
      };
      db.transaction(() => {
        heldoutQueries(db).insert(row);
        ctx.events.emit('audit.appended', audit.append({
          actor: ctx.actor, action: 'eval.perplexity', objectType: 'heldout_result', objectId: id,
          details: { modelId: base.id, modelSha256: base.sha256, adapterId: row.adapter_id, adapterSha256: row.adapter_sha256, datasetVersionId: row.dataset_version_id, split: row.split, tokens: row.tokens, loss: row.loss, ppl: row.ppl, device },
        }));
      }).immediate();
      return { result: toHeldoutResult(heldoutQueries(db).get(id)!), message: `Loss ${row.loss.toFixed(3)} · perplexity ${row.ppl.toFixed(2)} over ${row.tokens} tokens` };
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true }); // the JSONL copy of the data is not kept; the DB holds the result
  }
}

export function toHeldoutResult(r: HeldoutListRow): HeldoutResult {
  return {
    id: r.id, label: r.label, modelId: r.model_id, modelSha256: r.model_sha256, adapterId: r.adapter_id, adapterSha256: r.adapter_sha256,
    datasetVersionId: r.dataset_version_id, datasetName: r.dataset_name, versionNumber: r.version_number, split: r.split, documents: r.documents, tokens: r.tokens, loss: r.loss, ppl: r.ppl,
    maxSeqLen: r.max_seq_len, stride: r.stride, device: r.device, precision: r.precision, seconds: r.seconds,
    perDocument: JSON.parse(r.per_document) as HeldoutResult['perDocument'], createdAt: r.created_at, createdBy: r.created_by,
  };
}
