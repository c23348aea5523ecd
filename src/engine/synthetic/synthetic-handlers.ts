import { randomUUID } from 'node:crypto';
import { LatheError } from '../../shared/contract/errors.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { GeneratedItem } from '../../shared/contract/features/synthetic.js';
import type { EngineContext } from '../context.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { syntheticQueries } from '../db/queries/synthetic.js';
import { requireDb } from '../require-db.js';
import { loadChunks } from './chunks.js';
import { createJob, jobSummary, runJob, type JobHandle } from './generate-job.js';
import { currentOwner, reconcileInterrupted } from './job-owner.js';
import { generateFromChunk, resolveTeacher } from './teacher.js';
import { DEFAULT_TEMPLATES, renderPrompt, resolveTemplate } from './templates.js';

type SyntheticImpls = Pick<HandlerImpls, 'synthetic.templates' | 'synthetic.preview' | 'synthetic.estimate' | 'synthetic.start' | 'synthetic.resume' | 'synthetic.cancel' | 'synthetic.status' | 'synthetic.list' | 'synthetic.item'>;

/** Rough tokens of text for estimates (about four characters a token in English prose). */
const approxTokens = (text: string) => Math.ceil(text.length / 4);

/** Synthetic generation. Running jobs live in this closure (one engine, one set); runJob registers each with ctx.jobs. */
export function syntheticHandlers(ctx: EngineContext): SyntheticImpls {
  const db = () => requireDb(ctx).db;
  const running = new Map<string, JobHandle>();
  if (ctx.db && ctx.audit) {
    // Jobs a crashed engine left 'running' become resumable; a live CLI engine's job on this data folder is kept.
    for (const jobId of reconcileInterrupted(ctx.db)) {
      ctx.events.emit('audit.appended', ctx.audit.append({ actor: ctx.actor, action: 'synthetic.interrupted', objectType: 'synthetic_job', objectId: jobId, details: { reason: 'owner process gone at engine start' } }));
    }
  }
  const launch = (jobId: string) => {
    const owner = currentOwner();
    syntheticQueries(db()).setOwner(jobId, owner.pid, owner.boot);
    const handle = runJob(ctx, jobId);
    running.set(jobId, handle);
    void handle.done.finally(() => {
      try {
        if (ctx.db?.open) syntheticQueries(ctx.db).setOwner(jobId, null, null);
      } catch {
        // the engine is shutting down; the next start reconciles this job by its (now gone) owner
      }
      running.delete(jobId);
    });
  };
  const requireJob = (jobId: string) => {
    const row = syntheticQueries(db()).job(jobId);
    if (!row) throw new LatheError('NOT_FOUND', `There is no generation job ${jobId}.`, 'Refresh the Generate page and pick a job.');
    return row;
  };
  return {
    'synthetic.templates': async () => ({
      templates: Object.values(DEFAULT_TEMPLATES).map((t) => {
        const r = resolveTemplate(t);
        return { kind: r.kind, version: r.version, system: r.system, prompt: r.prompt, labels: r.labels ?? null, jsonSchema: r.jsonSchema };
      }),
    }),
    'synthetic.preview': async (args) => {
      const template = resolveTemplate(args.template);
      // With a filter, the preview shows the first matching chunk at or after the asked position.
      const { chunks } = args.filter ? loadChunks(db(), args.sourceVersionId, undefined, args.filter) : loadChunks(db(), args.sourceVersionId, args.chunkPosition + 1);
      const chunk = chunks.find((c) => c.position >= args.chunkPosition) ?? chunks.at(-1)!;
      const target = resolveTeacher(db(), args.modelId, args.adapterIds);
      const r = await generateFromChunk(ctx, { target, template, sampling: args.sampling, sourceVersionId: args.sourceVersionId, jobId: 'preview' }, chunk, `synthetic-preview:${randomUUID()}`);
      return { chunk: chunk.text, prompt: renderPrompt(template, chunk.text), item: r.item, problem: r.problem, promptTokens: r.promptTokens, outputTokens: r.outputTokens, tokensPerSecond: r.tokensPerSecond };
    },
    'synthetic.estimate': async ({ sourceVersionId, filter, chunkLimit, maxTokens, perChunk, tokensPerSecond }) => {
      const { chunks } = loadChunks(db(), sourceVersionId, chunkLimit, filter);
      const template = approxTokens(DEFAULT_TEMPLATES.qa.system + DEFAULT_TEMPLATES.qa.prompt);
      const promptTokens = chunks.reduce((n, c) => n + approxTokens(c.text) + template, 0) * perChunk;
      const maxOutputTokens = chunks.length * maxTokens * perChunk;
      return { chunks: chunks.length, promptTokens, maxOutputTokens, seconds: tokensPerSecond ? maxOutputTokens / tokensPerSecond : null };
    },
    'synthetic.start': async (args) => {
      const row = createJob(ctx, args);
      launch(row.id);
      return { jobId: row.id };
    },
    'synthetic.resume': async ({ jobId }) => {
      const row = requireJob(jobId);
      if (running.has(jobId)) throw new LatheError('INVALID_ARGUMENTS', 'This generation is already running.', 'Wait for it, or cancel it first.');
      if (row.status === 'done') throw new LatheError('INVALID_ARGUMENTS', 'This generation has finished; there is nothing to resume.', 'Open its version in the review queue, or start a new generation.');
      syntheticQueries(db()).setStatus(jobId, 'running');
      launch(jobId);
      return { jobId };
    },
    'synthetic.cancel': async ({ jobId }) => {
      requireJob(jobId);
      const handle = running.get(jobId);
      handle?.cancel();
      await handle?.done;
      return { cancelled: handle !== undefined };
    },
    'synthetic.status': async ({ jobId }) => jobSummary(db(), requireJob(jobId)),
    'synthetic.list': async () => ({ jobs: syntheticQueries(db()).jobs().map((r) => jobSummary(db(), r)) }),
    'synthetic.item': async ({ versionId, position, contentHash }) => {
      const q = syntheticQueries(db());
      const item = q.itemAtVersionPosition(versionId, position) ?? (contentHash ? q.itemByContentHash(contentHash) : undefined);
      if (!item) return { item: null, chunk: null };
      const provenance = JSON.parse(item.provenance) as GeneratedItem['provenance'];
      const chunkRow = datasetQueries(db()).page(provenance.sourceVersionId, provenance.chunkPosition, 1)[0];
      const chunk = chunkRow && chunkRow.position === provenance.chunkPosition ? (JSON.parse(chunkRow.content) as { text?: string }).text ?? null : null;
      return {
        item: { messages: (JSON.parse(item.content) as { messages: GeneratedItem['messages'] }).messages, raw: '', provenance, grounding: JSON.parse(item.grounding), pii: JSON.parse(item.pii) },
        chunk,
      };
    },
  };
}
