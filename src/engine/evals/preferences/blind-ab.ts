import { randomUUID } from 'node:crypto';
import { LatheError } from '../../../shared/contract/errors.js';
import type { BlindPair, PreferenceResults, PreferenceSession } from '../../../shared/contract/features/preferences.js';
import type { EngineContext } from '../../context.js';
import { evalQueries } from '../../db/queries/evals.js';
import { preferenceQueries, type PreferenceSessionRow } from '../../db/queries/preferences.js';
import { requireDb } from '../../require-db.js';
import { seededRandom } from '../bootstrap.js';
import { getSummary, pairItems } from '../eval-compare.js';
import { wilsonInterval } from './win-rate.js';

/** One pair as stored: the item, and which eval's answer is shown on the left. */
interface StoredPair { position: number; left: 'a' | 'b' }

export function createSession(ctx: EngineContext, args: { aEvalId: string; bEvalId: string; label?: string | undefined; seed?: number | undefined; limit?: number | undefined }): PreferenceSession {
  const { db, audit } = requireDb(ctx);
  if (args.aEvalId === args.bEvalId) throw new LatheError('INVALID_ARGUMENTS', 'A blind comparison needs two different evals.', 'Pick the base model’s eval as A and the tuned model’s as B.');
  const a = getSummary(db, args.aEvalId);
  const b = getSummary(db, args.bEvalId);
  if (a.datasetVersionId !== b.datasetVersionId || a.split !== b.split) {
    throw new LatheError('INVALID_ARGUMENTS', 'These two evals ran on different data, so their answers cannot be paired.', 'Pick two evals of the same dataset version and split.');
  }
  const seed = args.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const positions = pairItems(db, a.id, b.id).map(([x]) => x.position);
  if (positions.length === 0) throw new LatheError('INVALID_ARGUMENTS', 'These two evals have no answered items in common.', 'Let both evals finish, then start the blind comparison.');
  // Fisher–Yates with the session's seed: the order, and each side, can be re-derived from the stored seed.
  for (let i = positions.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  const pairs: StoredPair[] = positions.slice(0, args.limit ?? positions.length).map((position) => ({ position, left: random() < 0.5 ? 'a' : 'b' }));
  const row: PreferenceSessionRow = {
    id: randomUUID(), label: args.label?.trim() || `${a.label} vs ${b.label}`, a_eval_id: a.id, b_eval_id: b.id, seed, pairs: JSON.stringify(pairs),
    revealed_at: null, created_at: new Date().toISOString(), created_by: ctx.actor,
  };
  db.transaction(() => {
    preferenceQueries(db).insertSession(row);
    ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'preference.session.create', objectType: 'preference-session', objectId: row.id, details: { aEvalId: a.id, bEvalId: b.id, seed, pairs: pairs.length } }));
  }).immediate();
  return toSession(ctx, row);
}

export function listSessions(ctx: EngineContext): PreferenceSession[] {
  return preferenceQueries(requireDb(ctx).db).list().map((r) => toSession(ctx, r));
}

export function nextPair(ctx: EngineContext, sessionId: string): { session: PreferenceSession; pair: BlindPair | null } {
  const row = sessionRow(ctx, sessionId);
  const done = new Set(preferenceQueries(requireDb(ctx).db).current(row.id).filter((p) => p.judge === ctx.actor).map((p) => p.position));
  const pairs = JSON.parse(row.pairs) as StoredPair[];
  const index = pairs.findIndex((p) => !done.has(p.position));
  return { session: toSession(ctx, row), pair: index < 0 ? null : blindPair(ctx, row, pairs[index]!, index) };
}

export function judge(ctx: EngineContext, args: { sessionId: string; position: number; choice: 'left' | 'right' | 'tie'; note?: string | undefined }) {
  const { db } = requireDb(ctx);
  const row = sessionRow(ctx, args.sessionId);
  const pair = (JSON.parse(row.pairs) as StoredPair[]).find((p) => p.position === args.position);
  if (!pair) throw new LatheError('NOT_FOUND', `Item ${args.position} is not part of this blind comparison.`, 'Judge the pair the session shows next.');
  const right = pair.left === 'a' ? 'b' : 'a';
  const winner = args.choice === 'tie' ? 'tie' : args.choice === 'left' ? pair.left : right;
  preferenceQueries(db).insert({ session_id: row.id, position: pair.position, choice: args.choice, winner, note: args.note?.trim() || null, judge: ctx.actor, created_at: new Date().toISOString() });
  return nextPair(ctx, row.id);
}

/** Counts each judge's newest judgement per item; B's win rate with ties as half a win, and its Wilson interval. */
export function results(ctx: EngineContext, sessionId: string): PreferenceResults {
  const { db, audit } = requireDb(ctx);
  const row = sessionRow(ctx, sessionId);
  const current = preferenceQueries(db).current(row.id);
  const count = (rows: typeof current) => ({ n: rows.length, aWins: rows.filter((p) => p.winner === 'a').length, bWins: rows.filter((p) => p.winner === 'b').length, ties: rows.filter((p) => p.winner === 'tie').length });
  const all = count(current);
  const interval = wilsonInterval(all.bWins + all.ties / 2, all.n);
  if (preferenceQueries(db).reveal(row.id, new Date().toISOString())) {
    ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'preference.session.reveal', objectType: 'preference-session', objectId: row.id, details: { ...all, winRateB: interval?.rate ?? null, low: interval?.low ?? null, high: interval?.high ?? null } }));
  }
  const judges = [...new Set(current.map((p) => p.judge))].sort().map((j) => ({ judge: j, ...count(current.filter((p) => p.judge === j)) }));
  return {
    sessionId: row.id, ...all, winRateB: interval?.rate ?? null, low: interval?.low ?? null, high: interval?.high ?? null,
    judges: judges.map(({ judge: name, n, aWins, bWins, ties }) => ({ judge: name, n, aWins, bWins, ties })),
    aLabel: getSummary(db, row.a_eval_id).label, bLabel: getSummary(db, row.b_eval_id).label,
  };
}

function sessionRow(ctx: EngineContext, id: string): PreferenceSessionRow {
  const row = preferenceQueries(requireDb(ctx).db).get(id);
  if (!row) throw new LatheError('NOT_FOUND', `There is no blind comparison ${id}.`, 'Pick one from the list, or start a new one.');
  return row;
}

function blindPair(ctx: EngineContext, row: PreferenceSessionRow, pair: StoredPair, index: number): BlindPair {
  const q = evalQueries(requireDb(ctx).db);
  const find = (evalId: string) => q.items(evalId).find((i) => i.position === pair.position)!;
  const a = find(row.a_eval_id);
  const b = find(row.b_eval_id);
  const [left, right] = pair.left === 'a' ? [a, b] : [b, a];
  return { position: pair.position, index, prompt: a.prompt, reference: a.reference, left: left.output, right: right.output };
}

function toSession(ctx: EngineContext, row: PreferenceSessionRow): PreferenceSession {
  const judged = new Set(preferenceQueries(requireDb(ctx).db).current(row.id).filter((p) => p.judge === ctx.actor).map((p) => p.position)).size;
  const revealed = row.revealed_at !== null;
  return { id: row.id, label: revealed ? row.label : 'Blind comparison', total: (JSON.parse(row.pairs) as StoredPair[]).length, judged, revealed, createdAt: row.created_at, aEvalId: revealed ? row.a_eval_id : null, bEvalId: revealed ? row.b_eval_id : null };
}
