import { hostDied } from '../inference/crash-attribution.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LatheError } from '../../shared/contract/errors.js';
import type { ParsedArgsOf } from '../../shared/contract/index.js';
import { exampleContentSchema } from '../../shared/contract/features/datasets.js';
import type { EngineContext } from '../context.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { evalQueries, type EvalRow } from '../db/queries/evals.js';
import { modelQueries } from '../db/queries/models.js';
import { runModelJob } from '../models/model-job.js';
import { checkTargetFiles, resolveTarget, type ResolvedTarget } from '../playground/targets.js';
import { requireDb } from '../require-db.js';
import { toQuestion, type EvalQuestion } from './eval-items.js';
import { scoreAnswer } from './metrics.js';
import { compileSchema } from './task-report.js';

type StartArgs = ParsedArgsOf<'evals.start'>;
interface EvalSettings {
  maxTokens: number; seed: number; temperature: number; limit: number | null;
  /** Absent in evals stored before task types: those are 'qa'. */
  task?: 'qa' | 'classification' | 'structured';
  jsonSchema?: Record<string, unknown> | null;
  constrain?: boolean;
}

/**
 * Runs an eval: every question of a dataset version's split through the inference host with greedy decoding
 * (temperature 0, fixed seed), one item stored per transaction as soon as it is scored. Interrupted evals
 * (cancel, crash, quit) keep what they stored; resuming skips stored positions, so no item is asked or stored
 * twice. Returns the eval's id; the caller reads the summary.
 */
export async function runEval(ctx: EngineContext, args: StartArgs): Promise<string> {
  const { db, audit } = requireDb(ctx);
  const q = evalQueries(db);
  const row = args.resumeEvalId ? resumable(q.get(args.resumeEvalId), args.resumeEvalId) : createEval(ctx, args);
  if (row.status === 'done') return row.id;
  const target = resolveTarget(db, { modelId: row.model_id, adapterIds: JSON.parse(row.adapter_ids) as string[] });
  const settings = JSON.parse(row.settings) as EvalSettings;
  const questions = loadQuestions(ctx, row.dataset_version_id, row.split, settings.limit);
  if (args.resumeEvalId) {
    q.setStatus(row.id, 'running', null);
    ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'eval.resume', objectType: 'eval', objectId: row.id, details: { stored: q.storedPositions(row.id).size, total: questions.length } }));
  }
  try {
    await runModelJob(ctx, { jobId: args.jobId, kind: 'eval', label: `Evaluating ${row.label}`, subject: { type: 'eval', id: row.id } }, async (report, signal) => {
      checkTargetFiles(target);
      await askAll(ctx, row, target, settings, questions, report, signal);
      return { result: null, message: `Evaluated ${questions.length} items.` };
    });
  } catch (caught) {
    const err = hostDied(caught)
      ? new LatheError('INFERENCE_FAILED', `The inference host stopped during the eval (${(caught as Error).message.replace(/\.$/, '')}); the ${q.storedPositions(row.id).size} items scored so far are kept.`, 'Resume the eval: the inference host restarts on its own. If it keeps crashing, pick a smaller model or quantization.')
      : caught;
    const cancelled = (err as { code?: string }).code === 'CANCELLED';
    q.setStatus(row.id, cancelled ? 'cancelled' : 'failed', (err as Error).message);
    ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: cancelled ? 'eval.cancel' : 'eval.fail', objectType: 'eval', objectId: row.id, details: { stored: q.storedPositions(row.id).size, total: questions.length, error: (err as Error).message } }));
    throw err;
  }
  q.setStatus(row.id, 'done', null);
  const s = q.summary(row.id)!;
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'eval.finish', objectType: 'eval', objectId: row.id, details: { items: s.done_items, exact: s.exact, f1: s.f1, rougeL: s.rouge_l } }));
  return row.id;
}

async function askAll(ctx: EngineContext, row: EvalRow, target: ResolvedTarget, settings: EvalSettings, questions: EvalQuestion[], report: (f: number | null, m: string) => void, signal: AbortSignal): Promise<void> {
  const { db } = requireDb(ctx);
  const q = evalQueries(db);
  const stored = q.storedPositions(row.id);
  const client = ctx.inference.client();
  let current: string | null = null;
  const onAbort = () => void (current && client.send('inference.cancel', { requestId: current }).catch(() => undefined));
  signal.addEventListener('abort', onAbort);
  try {
    let done = questions.filter((x) => stored.has(x.position)).length;
    report(done / Math.max(1, questions.length), `${done} of ${questions.length} items`);
    for (const item of questions) {
      if (stored.has(item.position)) continue;
      if (signal.aborted) throw cancelled(done, questions.length);
      current = `eval:${row.id}:${item.position}`;
      const started = performance.now();
      const r = await client.send('inference.chat', {
        requestId: current,
        modelPath: target.model.path,
        adapters: target.adapters.map((a) => ({ path: a.path, scale: 1 })),
        ...(item.system ? { system: item.system } : {}),
        history: item.history,
        prompt: item.prompt,
        maxTokens: settings.maxTokens,
        temperature: settings.temperature,
        seed: settings.seed,
        ...(settings.task === 'structured' && settings.constrain && settings.jsonSchema ? { jsonSchema: settings.jsonSchema } : {}),
      });
      current = null;
      // An answer cut short by the cancel is not the model's answer: it is not stored, so resume asks again.
      if (signal.aborted) throw cancelled(done, questions.length);
      const scores = scoreAnswer(r.text, item.reference);
      db.transaction(() =>
        q.insertItem({
          eval_id: row.id, position: item.position, example_hash: item.exampleHash, prompt: item.prompt, reference: item.reference,
          output: r.text, exact: scores.exact, f1: scores.f1, rouge_l: scores.rougeL, latency_ms: performance.now() - started,
          tokens: r.tokens, prompt_tokens: r.promptTokens, created_at: new Date().toISOString(),
        }),
      ).immediate();
      done++;
      report(done / questions.length, `${done} of ${questions.length} items`);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function createEval(ctx: EngineContext, args: StartArgs): EvalRow {
  const { db, audit } = requireDb(ctx);
  if (!args.modelId || !args.datasetVersionId) {
    throw new LatheError('INVALID_ARGUMENTS', 'An eval needs a model and a dataset version.', 'Pick a model (and adapter) and a dataset version, or pass resumeEvalId to continue an eval.');
  }
  const target = resolveTarget(db, { modelId: args.modelId, adapterIds: args.adapterIds });
  const dq = datasetQueries(db);
  const version = dq.versionById(args.datasetVersionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${args.datasetVersionId}.`, 'Pick a dataset version from the list; it may have been removed.');
  const dataset = dq.datasetById(version.dataset_id);
  if (args.task === 'structured' && args.jsonSchema) compileSchema(args.jsonSchema); // a bad schema is refused before anything is written
  if (args.task !== 'structured' && args.jsonSchema) throw new LatheError('INVALID_ARGUMENTS', 'A JSON schema applies to structured-output evals only.', 'Choose the "structured output" task, or leave the schema out.');
  const settings: EvalSettings = { maxTokens: args.maxTokens, seed: 0, temperature: 0, limit: args.limit ?? null, task: args.task, jsonSchema: args.jsonSchema ?? null, constrain: args.constrain };
  const questions = loadQuestions(ctx, version.id, args.split, settings.limit);
  const row: EvalRow = {
    id: randomUUID(),
    label: args.label?.trim() || `${target.label} · ${dataset?.name ?? 'dataset'} v${version.number} ${args.split}`,
    model_id: target.model.id,
    adapter_ids: JSON.stringify(target.adapters.map((a) => a.id)),
    dataset_version_id: version.id,
    split: args.split,
    settings: JSON.stringify(settings),
    status: 'running',
    item_count: questions.length,
    error: null,
    created_at: new Date().toISOString(),
    finished_at: null,
    created_by: ctx.actor,
  };
  const models = modelQueries(db);
  db.transaction(() => {
    evalQueries(db).insertEval(row);
    const entry = audit.append({
      actor: ctx.actor, action: 'eval.start', objectType: 'eval', objectId: row.id,
      details: {
        model: { id: target.model.id, sha256: target.model.sha256 }, adapters: target.adapters.map((a) => ({ id: a.id, sha256: models.get(a.id)?.sha256 ?? null })),
        datasetVersion: { id: version.id, contentHash: version.content_hash }, split: args.split, items: questions.length, settings,
      },
    });
    ctx.events.emit('audit.appended', entry);
  }).immediate();
  return row;
}

function loadQuestions(ctx: EngineContext, versionId: string, split: string, limit: number | null): EvalQuestion[] {
  const { db } = requireDb(ctx);
  const questions: EvalQuestion[] = [];
  for (const ex of evalQueries(db).sourceExamples(versionId, split)) {
    const content = exampleContentSchema.safeParse(JSON.parse(ex.content));
    const question = content.success ? toQuestion(ex.position, ex.content_hash, content.data) : null;
    if (question) questions.push(question);
    if (limit !== null && questions.length >= limit) break;
  }
  if (questions.length === 0) {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      split === 'all' ? 'This dataset version has no chat examples with a reference answer to evaluate on.' : `This dataset version has no chat examples in its ${split} split.`,
      split === 'all' ? 'Evaluate on a chat dataset (user → assistant examples).' : `Split the dataset first (Datasets → Curate → Split), or evaluate on all examples.`,
    );
  }
  return questions;
}

function resumable(row: EvalRow | undefined, id: string): EvalRow {
  if (!row) throw new LatheError('NOT_FOUND', `There is no eval ${id}.`, 'Pick an eval from the list; it may have been removed.');
  return row;
}

function cancelled(done: number, total: number): LatheError {
  return new LatheError('CANCELLED', `The eval was stopped after ${done} of ${total} items; they are kept.`, 'Resume it to evaluate the remaining items.');
}

