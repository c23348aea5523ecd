import type Database from 'better-sqlite3';
import { LatheError } from '../../../shared/contract/errors.js';
import type { ExampleContent, ExampleMessage } from '../../../shared/contract/features/datasets.js';
import type { FeedbackCounts, MakePreferenceDatasetArgs } from '../../../shared/contract/features/preferences.js';
import { datasetQueries } from '../../db/queries/datasets.js';
import { evalQueries } from '../../db/queries/evals.js';
import { feedbackQueries } from '../../db/queries/feedback.js';
import { preferenceQueries } from '../../db/queries/preferences.js';
import { canonicalExample, exampleHash, serializeExample } from '../../datasets/content-hash.js';
import { versionRows, writeDerivedVersion, type DerivedRow } from '../../datasets/version-writer.js';

type Pair = Extract<ExampleContent, { kind: 'preference' }>;
interface SourcedPair { pair: Pair; source: string }

/**
 * Human feedback collected elsewhere in Lathe, as preference pairs with provenance:
 * - blind A/B judgements: the winner's answer is chosen, the loser's rejected (ties, and items whose judges
 *   disagree, give no pair);
 * - playground corrections: the corrected answer is chosen, the model's original answer rejected;
 * - review edits of a conversation's last answer: the edited answer is chosen, the original rejected.
 */
export function collectFeedbackPairs(db: Database.Database, o: Omit<MakePreferenceDatasetArgs, 'datasetName'>): { pairs: SourcedPair[]; counts: FeedbackCounts } {
  const counts: FeedbackCounts = { abJudgements: 0, corrections: 0, reviewEdits: 0, ties: 0, disagreements: 0, unusable: 0 };
  const pairs: SourcedPair[] = [];
  const fq = feedbackQueries(db);
  if (o.abJudgements) {
    const pq = preferenceQueries(db);
    const eq = evalQueries(db);
    const sessions = o.sessionIds?.length ? o.sessionIds.map((id) => pq.get(id) ?? notFound(id)) : pq.list();
    for (const s of sessions) {
      const byPosition = new Map<number, Set<'a' | 'b' | 'tie'>>();
      for (const j of pq.current(s.id)) byPosition.set(j.position, (byPosition.get(j.position) ?? new Set()).add(j.winner));
      const a = new Map(eq.items(s.a_eval_id).map((i) => [i.position, i]));
      const b = new Map(eq.items(s.b_eval_id).map((i) => [i.position, i]));
      for (const [position, winners] of byPosition) {
        winners.delete('tie');
        if (winners.size === 0) { counts.ties += 1; continue; }
        if (winners.size > 1) { counts.disagreements += 1; continue; }
        const [win, lose] = winners.has('a') ? [a.get(position), b.get(position)] : [b.get(position), a.get(position)];
        if (!win || !lose || win.output.trim() === lose.output.trim() || !win.output.trim()) { counts.unusable += 1; continue; }
        pairs.push({ pair: pairOf(promptOf(fq.exampleByHash(win.example_hash), win.prompt), win.output, lose.output), source: `ab:${s.id}:item ${position + 1}` });
        counts.abJudgements += 1;
      }
    }
  }
  if (o.corrections) {
    for (const c of fq.correctedAnswers()) {
      const params = JSON.parse(c.params) as { originalAnswer?: string };
      const example = c.example ? (JSON.parse(c.example) as ExampleContent) : null;
      const last = example?.kind === 'chat' ? example.messages[example.messages.length - 1] : undefined;
      if (!example || example.kind !== 'chat' || !last || typeof params.originalAnswer !== 'string' || last.content.trim() === params.originalAnswer.trim()) { counts.unusable += 1; continue; }
      pairs.push({ pair: pairOf(example.messages.slice(0, -1), last.content, params.originalAnswer), source: `playground:${c.conversation_id}:${c.message_id}` });
      counts.corrections += 1;
    }
  }
  if (o.reviewEdits) {
    for (const e of fq.reviewEdits()) {
      const pair = editPair(JSON.parse(e.before) as ExampleContent, JSON.parse(e.after) as ExampleContent);
      if (!pair) { counts.unusable += 1; continue; }
      pairs.push({ pair, source: `review:${e.version_id}:${e.position + 1}` });
      counts.reviewEdits += 1;
    }
  }
  return { pairs, counts };
}

/**
 * Writes the pairs as a version of a task dataset: the first version of a new one, or the next version of an
 * existing one (pairs it already holds are not added twice). Audited with the counts of every source.
 */
export function makePreferenceVersion(db: Database.Database, args: MakePreferenceDatasetArgs, actor: string) {
  const { pairs, counts } = collectFeedbackPairs(db, args);
  const dq = datasetQueries(db);
  const existing = dq.byName(args.datasetName);
  if (existing && existing.kind !== 'task') throw new LatheError('INVALID_ARGUMENTS', `"${args.datasetName}" is a documents dataset.`, 'Choose a new name, or a dataset of preference pairs.');
  const parent = existing ? dq.latestVersion(existing.id) ?? null : null;
  const held = new Set<string>();
  if (parent) for (const r of versionRows(db, parent)) held.add(r.content_hash);
  const fresh: DerivedRow[] = [];
  for (const { pair, source } of pairs) {
    const text = serializeExample(canonicalExample(pair));
    const hash = exampleHash(text);
    if (held.has(hash)) continue;
    held.add(hash);
    fresh.push({ hash, text, source, split: null });
  }
  if (fresh.length === 0) {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      pairs.length ? `"${args.datasetName}" already holds all ${pairs.length} pairs the feedback gives.` : 'There is no feedback to turn into preference pairs yet.',
      'Judge A/B pairs (Evaluate → Blind A/B), correct answers in the Playground, or edit answers in the review queue, then try again.',
    );
  }
  const rows = (function* () {
    if (parent) for (const r of versionRows(db, parent)) yield { hash: r.content_hash, text: r.content, source: r.source, split: r.split };
    yield* fresh;
  })();
  const { version, audit } = writeDerivedVersion(db, parent ?? { newDataset: args.datasetName }, rows, {
    operation: 'preferences-from-feedback',
    params: { sources: { abJudgements: args.abJudgements, corrections: args.corrections, reviewEdits: args.reviewEdits, sessionIds: args.sessionIds ?? null }, counts, added: fresh.length },
    actor,
    auditAction: 'dataset.preferences',
    auditDetails: { dataset: args.datasetName },
  });
  return { version, added: fresh.length, counts, audit };
}

/** The turns before the answer an eval item was asked with: its source conversation when Lathe has it. */
function promptOf(exampleText: string | null, prompt: string): ExampleMessage[] {
  const example = exampleText ? (JSON.parse(exampleText) as ExampleContent) : null;
  if (example?.kind === 'chat') {
    const lastAssistant = example.messages.map((m) => m.role).lastIndexOf('assistant');
    const before = example.messages.slice(0, lastAssistant);
    if (before.length && before[before.length - 1]!.role === 'user') return before;
  }
  return [{ role: 'user', content: prompt }];
}

function pairOf(prompt: ExampleMessage[], chosen: string, rejected: string): Pair {
  return { kind: 'preference', prompt, chosen: [{ role: 'assistant', content: chosen }], rejected: [{ role: 'assistant', content: rejected }] };
}

/** A review edit that changed only a conversation's last answer. */
function editPair(before: ExampleContent, after: ExampleContent): Pair | null {
  if (before.kind !== 'chat' || after.kind !== 'chat' || before.messages.length !== after.messages.length) return null;
  const last = before.messages.length - 1;
  const was = before.messages[last]!;
  const now = after.messages[last]!;
  if (was.role !== 'assistant' || now.role !== 'assistant' || was.content.trim() === now.content.trim() || !now.content.trim()) return null;
  if (JSON.stringify(before.messages.slice(0, last)) !== JSON.stringify(after.messages.slice(0, last))) return null;
  return { kind: 'preference', prompt: after.messages.slice(0, last), chosen: [now], rejected: [was] };
}

function notFound(id: string): never {
  throw new LatheError('NOT_FOUND', `There is no blind comparison ${id}.`, 'Pick one from the list on Evaluate → Blind A/B.');
}
