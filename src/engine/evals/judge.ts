import { randomUUID } from 'node:crypto';
import { LatheError } from '../../shared/contract/errors.js';
import type { Judging } from '../../shared/contract/features/evals.js';
import type { ParsedArgsOf } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { evalQueries } from '../db/queries/evals.js';
import { judgeQueries, type JudgingRow } from '../db/queries/judge.js';
import { modelQueries } from '../db/queries/models.js';
import { runModelJob } from '../models/model-job.js';
import { checkTargetFiles, resolveTarget } from '../playground/targets.js';
import { requireDb } from '../require-db.js';

const VERDICT_SCHEMA = { type: 'object', properties: { score: { enum: [1, 2, 3, 4, 5] }, reason: { type: 'string' } }, required: ['score', 'reason'] };

/** What the judge reads for one item: the rubric, the question, the reference answer and the answer to grade. */
export function judgePrompt(rubric: string, item: { prompt: string; reference: string; output: string }): string {
  return [
    'You grade an answer against a reference answer.',
    `Rubric: ${rubric}`,
    `Question: ${item.prompt}`,
    `Reference answer: ${item.reference}`,
    `Answer to grade: ${item.output || '(empty)'}`,
    'Reply with JSON: {"score": 1-5, "reason": "one sentence"}. 5 = fully correct and complete, 1 = wrong or missing.',
  ].join('\n');
}

/** The score from a verdict: the JSON, or — when the reason was cut off by the token limit — the score field alone. */
export function parseVerdict(raw: string): { score: number | null; reason: string | null } {
  try {
    const v = JSON.parse(raw) as { score?: unknown; reason?: unknown };
    if (typeof v.score === 'number' && v.score >= 1 && v.score <= 5) return { score: Math.round(v.score), reason: typeof v.reason === 'string' ? v.reason : null };
  } catch {
    // fall through to the partial read
  }
  const m = /"score"\s*:\s*([1-5])\b/.exec(raw);
  return { score: m ? Number(m[1]) : null, reason: null };
}

/**
 * Judges every stored answer of an eval with a local model. Verdicts are constrained to the JSON shape by the
 * inference host's grammar, each is committed as it arrives, and a judging with the same judge and rubric resumes.
 */
export async function judgeEval(ctx: EngineContext, args: ParsedArgsOf<'evals.judge'>): Promise<Judging> {
  const { db, audit } = requireDb(ctx);
  const ev = evalQueries(db).get(args.evalId);
  if (!ev) throw new LatheError('NOT_FOUND', `There is no eval ${args.evalId}.`, 'Pick an eval from the list.');
  const items = evalQueries(db).items(ev.id);
  if (items.length === 0) throw new LatheError('INVALID_ARGUMENTS', 'This eval has no answers to judge yet.', 'Let the eval run (or resume it) first.');
  const target = resolveTarget(db, { modelId: args.judgeModelId, adapterIds: args.judgeAdapterIds });
  const q = judgeQueries(db);
  const adapterIds = JSON.stringify(target.adapters.map((a) => a.id));
  let judging = q.find(ev.id, target.model.id, adapterIds, args.rubric);
  if (!judging) {
    const row: JudgingRow = { id: randomUUID(), eval_id: ev.id, judge_model_id: target.model.id, judge_sha256: modelQueries(db).get(target.model.id)?.sha256 ?? '', adapter_ids: adapterIds, rubric: args.rubric, created_at: new Date().toISOString(), created_by: ctx.actor };
    db.transaction(() => {
      q.insertJudging(row);
      ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'eval.judge.start', objectType: 'eval', objectId: ev.id, details: { judgingId: row.id, judge: { id: target.model.id, sha256: row.judge_sha256 }, adapters: target.adapters.map((a) => a.id), rubric: args.rubric, items: items.length } }));
    }).immediate();
    judging = row;
  }
  const done = new Set(q.items(judging.id).map((j) => j.position));
  const client = ctx.inference.client();
  await runModelJob(ctx, { jobId: args.jobId, kind: 'eval-judge', label: `Judging ${ev.label}` }, async (report, signal) => {
    checkTargetFiles(target);
    let n = done.size;
    for (const item of items) {
      if (done.has(item.position)) continue;
      if (signal.aborted) throw new LatheError('CANCELLED', `Judging stopped after ${n} of ${items.length} items; they are kept.`, 'Run the judge again with the same rubric to continue.');
      const prompt = judgePrompt(args.rubric, item);
      const r = await client.send('inference.chat', {
        requestId: `judge:${judging!.id}:${item.position}`, modelPath: target.model.path, adapters: target.adapters.map((a) => ({ path: a.path, scale: 1 })),
        history: [], prompt, maxTokens: args.maxTokens, temperature: 0, seed: 0, jsonSchema: VERDICT_SCHEMA,
      });
      const v = parseVerdict(r.text);
      q.insert({ judging_id: judging!.id, position: item.position, prompt, raw: r.text, score: v.score, reason: v.reason, created_at: new Date().toISOString() });
      n++;
      report(n / items.length, `${n} of ${items.length} answers judged`);
    }
    return { result: null, message: `Judged ${items.length} answers.` };
  });
  const result = toJudging(ctx, judging);
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'eval.judge.finish', objectType: 'eval', objectId: ev.id, details: { judgingId: judging.id, judged: result.judged, unparsed: result.unparsed, meanScore: result.meanScore } }));
  return result;
}

export function toJudging(ctx: EngineContext, row: JudgingRow): Judging {
  const items = judgeQueries(requireDb(ctx).db).items(row.id);
  const scores = items.map((i) => i.score).filter((s): s is number => s !== null);
  const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  return {
    id: row.id, evalId: row.eval_id, judgeModelId: row.judge_model_id, judgeSha256: row.judge_sha256, adapterIds: JSON.parse(row.adapter_ids) as string[], rubric: row.rubric, createdAt: row.created_at,
    judged: items.length, unparsed: items.length - scores.length, meanScore: mean, normalized: mean === null ? null : (mean - 1) / 4,
    items: items.map((i) => ({ position: i.position, prompt: i.prompt, raw: i.raw, score: i.score, reason: i.reason })),
  };
}
