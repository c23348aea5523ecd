import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import type { GeneratedItem, SyntheticJob, SyntheticSampling, TemplateInput } from '../../shared/contract/features/synthetic.js';
import type { EngineContext } from '../context.js';
import { exampleHash, serializeExample } from '../datasets/content-hash.js';
import { recordReview } from '../datasets/review.js';
import { requireVersion } from '../datasets/version-writer.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { syntheticQueries, type SyntheticJobRow } from '../db/queries/synthetic.js';
import { requireDb } from '../require-db.js';
import { loadChunks, type ChunkFilter } from './chunks.js';
import { writeGeneratedVersion } from './target-dataset.js';
import { generateBatch, generateFromChunk, resolveTeacher, type TeacherSetup } from './teacher.js';
import { resolveTemplate, type ResolvedTemplate } from './templates.js';

export interface StartArgs {
  sourceVersionId: string;
  modelId: string;
  adapterIds: string[];
  template: TemplateInput;
  sampling: SyntheticSampling;
  chunkLimit?: number | undefined;
  filter?: ChunkFilter | undefined;
  /** Chunks decoded together on parallel sequences; 1 = one request at a time. */
  parallel: number;
  /** Examples asked of each chunk (1 = one). */
  perChunk?: number | undefined;
}

/** The sampling settings of a job, without the hardware knob stored beside them. */
function samplingOf(row: SyntheticJobRow): SyntheticSampling {
  const { parallel: _parallel, perChunk: _perChunk, ...sampling } = JSON.parse(row.sampling) as SyntheticSampling & { parallel?: number; perChunk?: number };
  return sampling;
}

/** Who flags examples in the review queue: tags only, never a verdict, so every example stays unreviewed. */
export const CHECKER = 'lathe:synthetic-check';

/** Creates the job row; nothing is generated yet. Checks everything a user can get wrong before any work starts. */
export function createJob(ctx: EngineContext, args: StartArgs): SyntheticJobRow {
  const { db, audit } = requireDb(ctx);
  const template = resolveTemplate(args.template);
  const filter = args.filter && Object.keys(args.filter).length ? args.filter : null;
  const { chunks } = loadChunks(db, args.sourceVersionId, args.chunkLimit, filter);
  const target = resolveTeacher(db, args.modelId, args.adapterIds);
  const row: SyntheticJobRow = {
    id: randomUUID(),
    source_version_id: args.sourceVersionId,
    model_id: target.model.id,
    model_sha256: target.model.sha256,
    adapter_ids: JSON.stringify(target.adapters.map((a) => a.id)),
    template: JSON.stringify({ kind: template.kind, version: template.version, system: template.system, prompt: template.prompt, labels: template.labels ?? null }),
    sampling: JSON.stringify({ ...args.sampling, parallel: args.parallel, ...(args.perChunk && args.perChunk > 1 ? { perChunk: args.perChunk } : {}) }),
    chunk_limit: chunks.length,
    status: 'running',
    error: null,
    target_version_id: null,
    created_at: new Date().toISOString(),
    created_by: ctx.actor,
    finished_at: null,
    chunk_filter: filter ? JSON.stringify(filter) : null,
  };
  const entry = db.transaction(() => {
    syntheticQueries(db).insertJob(row);
    return audit.append({ actor: ctx.actor, action: 'synthetic.start', objectType: 'synthetic_job', objectId: row.id, details: { sourceVersionId: row.source_version_id, model: target.model.id, modelSha256: target.model.sha256, template: template.version, sampling: args.sampling, chunks: chunks.length, filter } });
  }).immediate();
  ctx.events.emit('audit.appended', entry);
  return row;
}

export function jobTemplate(row: SyntheticJobRow): ResolvedTemplate {
  const t = JSON.parse(row.template) as TemplateInput;
  return resolveTemplate({ kind: t.kind, system: t.system!, prompt: t.prompt!, ...(t.labels ? { labels: t.labels } : {}) });
}

export interface JobHandle {
  cancel(): void;
  done: Promise<void>;
}

/**
 * Runs (or resumes) a job: chunks already in the ledger are skipped, each finished chunk commits with its items in
 * one transaction, so a crash or cancel loses at most the chunk in flight. When every chunk is done the items become
 * a new version of a task dataset of their own ("<documents> — generated Q&A"), unreviewed, with ungrounded and PII items tagged for the reviewer.
 */
export function runJob(ctx: EngineContext, jobId: string): JobHandle {
  const { db } = requireDb(ctx);
  const q = syntheticQueries(db);
  const row = q.job(jobId)!;
  const state = { cancelled: false, current: null as string | null };
  const label = `Generating ${JSON.parse(row.template).kind} examples`;
  // Registered before any work, so a second start of this job id is refused (ALREADY_RUNNING) and jobs.cancel reaches it.
  const job = ctx.jobs.start({
    id: jobId, kind: 'synthetic.generate', label, subject: { type: 'synthetic', id: jobId },
    cancel: () => {
      state.cancelled = true;
      if (state.current) void ctx.inference.client().send('inference.cancel', { requestId: state.current }).catch(() => undefined);
    },
  });
  const progress = (fraction: number | null, message: string, s: 'running' | 'done' | 'failed' | 'cancelled') =>
    s === 'running' ? job.report(fraction, message) : job.finish(s, message);

  const work = async () => {
    const setup: TeacherSetup = {
      target: resolveTeacher(db, row.model_id, JSON.parse(row.adapter_ids) as string[]),
      template: jobTemplate(row),
      sampling: samplingOf(row),
      sourceVersionId: row.source_version_id,
      jobId,
    };
    if (setup.target.model.sha256 !== row.model_sha256) {
      throw new LatheError('INVALID_ARGUMENTS', 'The teacher model registered for this job has changed since it started.', 'Start a new generation; mixing two teachers in one version would break its provenance.');
    }
    const { chunks } = loadChunks(db, row.source_version_id, row.chunk_limit, row.chunk_filter ? (JSON.parse(row.chunk_filter) as ChunkFilter) : null);
    const done = q.doneChunks(jobId);
    let sessionTokens = 0;
    let sessionMs = 0;
    let finished = done.size;
    const { parallel = 1, perChunk = 1 } = JSON.parse(row.sampling) as { parallel?: number; perChunk?: number };
    const pending = chunks.filter((c) => !done.has(c.position));
    // Batches decode together on `parallel` sequences (inference.chatBatch): each chunk asks for `perChunk` examples
    // (one request each, with its own seed), and a chunk commits only with all of them, so resume never splits one.
    const perBatch = Math.max(1, Math.floor(parallel / perChunk));
    for (let at = 0; at < pending.length && !state.cancelled; at += perBatch) {
      const batch = pending.slice(at, at + perBatch);
      const tasks = batch.flatMap((c) => Array.from({ length: perChunk }, (_, variant) => ({ ...c, variant })));
      const results: Array<Awaited<ReturnType<typeof generateFromChunk>> | null> = [];
      if (parallel > 1) {
        state.current = `synthetic:${jobId}:${batch[0]!.position}:${randomUUID().slice(0, 8)}`;
        results.push(...(await generateBatch(ctx, setup, tasks, state.current, Math.min(parallel, tasks.length))));
      } else {
        for (const task of tasks) {
          if (state.cancelled) break;
          state.current = `synthetic:${jobId}:${task.position}.${task.variant}:${randomUUID().slice(0, 8)}`;
          results.push(await generateFromChunk(ctx, setup, task, state.current));
        }
      }
      state.current = null;
      batch.forEach((chunk, i) => {
        const rs = results.slice(i * perChunk, (i + 1) * perChunk);
        if (rs.length < perChunk || rs.some((r) => !r || r.aborted)) return; // not all of it: resume redoes the chunk
        const complete = rs as Array<Awaited<ReturnType<typeof generateFromChunk>>>;
        saveChunk(db, jobId, chunk.position, chunk.hash, complete);
        finished++;
        sessionTokens += complete.reduce((n, r) => n + r.outputTokens, 0);
        sessionMs += complete.reduce((n, r) => n + r.durationMs, 0);
      });
      const tps = sessionMs > 0 ? (sessionTokens * 1000) / sessionMs : 0;
      const eta = ((chunks.length - finished) * sessionMs) / Math.max(1, finished - done.size) / 1000;
      progress(finished / chunks.length, `${finished}/${chunks.length} chunks · ${tps.toFixed(1)} tokens/s · ETA ${Math.ceil(eta)} s`, 'running');
    }
    if (state.cancelled) {
      q.setStatus(jobId, 'cancelled');
      progress(finished / chunks.length, `Cancelled after ${finished}/${chunks.length} chunks; resume to continue.`, 'cancelled');
      return;
    }
    const version = finalize(ctx, db, row);
    progress(1, version ? `${version.example_count} examples ready for review as version ${version.number}` : 'No examples were generated.', 'done');
  };

  const done = work().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    q.setStatus(jobId, 'failed', message);
    progress(null, message, 'failed');
  });
  return {
    cancel: () => {
      state.cancelled = true;
      if (state.current) void ctx.inference.client().send('inference.cancel', { requestId: state.current }).catch(() => undefined);
    },
    done,
  };
}

/** One chunk's items (one per variant) and its ledger row, together: a resumed job never sees half a chunk. */
function saveChunk(db: Database.Database, jobId: string, position: number, chunkHash: string, rs: Array<Awaited<ReturnType<typeof generateFromChunk>>>) {
  const q = syntheticQueries(db);
  db.transaction(() => {
    let items = 0;
    let duplicates = 0;
    rs.forEach((r, itemIndex) => {
      if (!r.item) return;
      const text = serializeExample({ kind: 'chat', messages: r.item.messages } satisfies ExampleContent);
      const hash = exampleHash(text);
      // Exact dedup against this job and the whole library: a duplicate adds nothing to a training set.
      if (q.isDuplicate(jobId, hash)) duplicates++;
      else {
        q.insertItem({ job_id: jobId, chunk_position: position, item_index: itemIndex, content_hash: hash, content: text, source: r.item.provenance.locator, provenance: JSON.stringify(r.item.provenance), grounded: r.item.grounding.grounded ? 1 : 0, grounding: JSON.stringify(r.item.grounding), pii: JSON.stringify(r.item.pii), version_position: null });
        items++;
      }
    });
    const problems = rs.map((r) => r.problem).filter((p): p is string => Boolean(p));
    q.insertChunk({
      job_id: jobId, chunk_position: position, chunk_hash: chunkHash, prompt_tokens: rs.reduce((n, r) => n + r.promptTokens, 0),
      output_tokens: rs.reduce((n, r) => n + r.outputTokens, 0), duration_ms: rs.reduce((n, r) => n + r.durationMs, 0), items, duplicates,
      problem: problems.length === rs.length ? problems.join(' ') : null, // a chunk is a problem only when it gave nothing
    });
  }).immediate();
}

function finalize(ctx: EngineContext, db: Database.Database, row: SyntheticJobRow) {
  const q = syntheticQueries(db);
  const items = q.items(row.id);
  if (items.length === 0) {
    q.setStatus(row.id, 'done', 'The teacher produced no usable examples.');
    return null;
  }
  const source = requireVersion(db, row.source_version_id);
  const template = JSON.parse(row.template) as { kind: string; version: string };
  const totals = q.totals(row.id);
  const { version, audit } = db.transaction(() => {
    const written = writeGeneratedVersion(db, source, template.kind, items.map((i) => ({ hash: i.content_hash, text: i.content, source: i.source, split: null })), {
      params: { jobId: row.id, template: template.version, model: row.model_id, modelSha256: row.model_sha256, sampling: samplingOf(row), needsReview: true, ...(row.chunk_filter ? { filter: JSON.parse(row.chunk_filter) as unknown } : {}) },
      actor: ctx.actor,
      auditDetails: { generated: items.length, duplicates: totals.duplicates, problems: totals.problems, ungrounded: items.filter((i) => !i.grounded).length },
    });
    items.forEach((i, position) => q.setPosition(row.id, i.chunk_position, i.item_index, position));
    q.setTarget(row.id, written.version.id);
    q.setStatus(row.id, 'done');
    return written;
  })();
  ctx.events.emit('audit.appended', audit);
  // Flags go through the review history so reviewers can filter on them; tags are not verdicts.
  items.forEach((i, position) => {
    if (!i.grounded) recordReview(db, { versionId: version.id, position, action: 'tag', reviewer: CHECKER, tag: 'ungrounded', reason: (JSON.parse(i.grounding) as GeneratedItem['grounding']).reason });
    if (i.pii !== '[]') recordReview(db, { versionId: version.id, position, action: 'tag', reviewer: CHECKER, tag: 'pii', reason: 'The PII scan found personal data in this example.' });
  });
  return version;
}

export function jobSummary(db: Database.Database, row: SyntheticJobRow): SyntheticJob {
  const t = syntheticQueries(db).totals(row.id);
  const tps = t.duration_ms > 0 ? (t.output_tokens * 1000) / t.duration_ms : 0;
  const left = row.chunk_limit - t.chunks;
  const template = JSON.parse(row.template) as { kind: SyntheticJob['templateKind']; version: string };
  return {
    id: row.id,
    sourceVersionId: row.source_version_id,
    modelId: row.model_id,
    templateKind: template.kind,
    templateVersion: template.version,
    status: row.status,
    error: row.error,
    chunksTotal: row.chunk_limit,
    chunksDone: t.chunks,
    items: t.items,
    duplicates: t.duplicates,
    problems: t.problems,
    outputTokens: t.output_tokens,
    tokensPerSecond: tps,
    etaSeconds: row.status === 'running' && t.chunks > 0 ? (left * t.duration_ms) / t.chunks / 1000 : null,
    targetVersionId: row.target_version_id,
    targetDatasetId: row.target_version_id ? (datasetQueries(db).versionById(row.target_version_id)?.dataset_id ?? null) : null,
    createdAt: row.created_at,
  };
}
