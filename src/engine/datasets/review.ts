import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import { exampleContentSchema, type ExampleContent } from '../../shared/contract/features/datasets.js';
import type { ReviewAction, ReviewEntry, ReviewState } from '../../shared/contract/features/review.js';
import { AuditLog } from '../audit/audit-log.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { reviewQueries, type AdjudicationRow, type ReviewRow, type VerdictRow } from '../db/queries/review.js';
import { canonicalExample, exampleHash, serializeExample } from './content-hash.js';
import { requireVersion, versionRows, writeDerivedVersion, type DerivedRow } from './version-writer.js';

export interface ActArgs {
  versionId: string;
  position: number;
  action: ReviewAction;
  reviewer: string;
  content?: ExampleContent;
  tag?: string;
  reason?: string;
}

const VERDICTS = new Set(['accept', 'reject', 'edit', 'skip']);

/**
 * Records one review action and recomputes the example's state from its whole history, in one transaction with
 * the audit entry. Nothing is overwritten: an edit stores its content as a new content-addressed example and the
 * history row points from the old hash to the new one.
 */
export function recordReview(db: Database.Database, a: ActArgs): { entryId: number; state: ReviewState; audit: AuditEntry } {
  requireVersion(db, a.versionId);
  const q = reviewQueries(db);
  const tx = db.transaction(() => {
    const original = q.exampleAt(a.versionId, a.position);
    if (!original) throw new LatheError('NOT_FOUND', `Version has no example at position ${a.position}.`, 'Refresh the review queue.');
    const mine = q.verdicts(a.versionId, a.position).find((v) => v.reviewer === a.reviewer);
    const beforeHash = mine?.verdict === 'edit' && mine.after_hash ? mine.after_hash : original.content_hash;
    let afterHash: string | null = null;
    if (a.action === 'edit') afterHash = storeRevision(db, original.content, beforeHash, a.content);
    if ((a.action === 'tag' || a.action === 'untag') && !a.tag) {
      throw new LatheError('INVALID_ARGUMENTS', `"${a.action}" needs a tag.`, 'Type a tag name (for example "needs-source") and try again.');
    }
    if (a.action === 'comment' && !a.reason) throw new LatheError('INVALID_ARGUMENTS', 'A comment needs text.', 'Write the comment, then save it.');
    const entryId = q.insert({
      version_id: a.versionId,
      position: a.position,
      reviewer: a.reviewer,
      action: a.action,
      before_hash: beforeHash,
      after_hash: afterHash,
      tag: a.tag ?? null,
      reason: a.reason ?? null,
      undoes: null,
      at: new Date().toISOString(),
    });
    const state = recompute(db, a.versionId, a.position);
    const audit = new AuditLog(db).append({
      actor: a.reviewer,
      action: `dataset.review.${a.action}`,
      objectType: 'dataset_version',
      objectId: a.versionId,
      details: { position: a.position, entry: entryId, beforeHash, afterHash, tag: a.tag ?? null, reason: a.reason ?? null, status: state.status },
    });
    return { entryId, state, audit };
  });
  return tx.immediate();
}

/** An edit must be valid content of the same kind and actually change something; the revision is stored once. */
function storeRevision(db: Database.Database, originalText: string, beforeHash: string, content: ExampleContent | undefined): string {
  if (!content) throw new LatheError('INVALID_ARGUMENTS', 'An edit needs the new content.', 'Send the edited example as `content`.');
  const parsed = exampleContentSchema.parse(content);
  const original = JSON.parse(originalText) as ExampleContent;
  if (parsed.kind !== original.kind) {
    throw new LatheError('INVALID_ARGUMENTS', `An edit cannot turn a ${original.kind} example into a ${parsed.kind} example.`, 'Keep the example kind; reject it and add a new one instead.');
  }
  // Rebuilt with keys in the canonical order so the same text always gets the same hash (see content-hash.ts).
  const canonical = canonicalExample(parsed);
  const text = serializeExample(canonical);
  const hash = exampleHash(text);
  if (hash === beforeHash) throw new LatheError('INVALID_ARGUMENTS', 'The edit changes nothing.', 'Change the text, or accept the example as it is.');
  reviewQueries(db).insertExample(hash, text);
  return hash;
}

/** Cancels the reviewer's latest live action in this version. Returns null when there is nothing left to undo. */
export function undoReview(db: Database.Database, versionId: string, reviewer: string): { undone: ReviewEntry | null; state: ReviewState | null; audit: AuditEntry | null } {
  requireVersion(db, versionId);
  const q = reviewQueries(db);
  const tx = db.transaction(() => {
    const target = q.lastUndoable(versionId, reviewer);
    if (!target) return { undone: null, state: null, audit: null };
    const entryId = q.insert({ ...target, action: 'undo', undoes: target.id, reason: null, at: new Date().toISOString(), carried_from_version: null, carried_from_position: null });
    const state = recompute(db, versionId, target.position);
    const audit = new AuditLog(db).append({
      actor: reviewer,
      action: 'dataset.review.undo',
      objectType: 'dataset_version',
      objectId: versionId,
      details: { position: target.position, entry: entryId, undoes: target.id, undoneAction: target.action, status: state.status },
    });
    return { undone: toEntry(db, { ...target, undone: 1 }), state, audit };
  });
  return tx.immediate();
}

/** Replays an example's live history into per-reviewer verdicts, tags and one combined status. */
function recompute(db: Database.Database, versionId: string, position: number): ReviewState {
  const q = reviewQueries(db);
  const live = q.history(versionId, position).filter((r) => !r.undone && r.action !== 'undo');
  const verdicts = new Map<string, VerdictRow>();
  const tags = new Set<string>();
  for (const r of live) {
    if (VERDICTS.has(r.action)) {
      verdicts.set(r.reviewer, { version_id: versionId, position, reviewer: r.reviewer, verdict: r.action as VerdictRow['verdict'], after_hash: r.after_hash, at: r.at });
    } else if (r.action === 'tag') tags.add(r.tag!);
    else if (r.action === 'untag') tags.delete(r.tag!);
  }
  q.replaceVerdicts(versionId, position, [...verdicts.values()]);
  q.replaceTags(versionId, position, tags);
  const originalHash = q.exampleAt(versionId, position)!.content_hash;
  const combined = combine(originalHash, [...verdicts.values()]);
  // A curator's adjudication settles a disagreement (and only that: agreeing labellers need none).
  const settled = combined?.status === 'disagreement' ? q.adjudication(versionId, position) : undefined;
  q.replaceStatus(versionId, position, settled ? (settled.verdict === 'accept' ? { status: 'accepted', finalHash: originalHash } : { status: 'rejected', finalHash: null }) : combined);
  return reviewState(db, versionId, position);
}

/**
 * A curator settles an example the labellers disagree on: accept or reject, with the reason. Recorded (append-only),
 * audited, and it decides the example's status while the disagreement lasts; the labellers' verdicts stay as given.
 */
export function adjudicate(db: Database.Database, a: { versionId: string; position: number; verdict: 'accept' | 'reject'; reason: string; by: string }): { state: ReviewState; audit: AuditEntry } {
  requireVersion(db, a.versionId);
  const q = reviewQueries(db);
  if (!q.exampleAt(a.versionId, a.position)) throw new LatheError('NOT_FOUND', `Version has no example at position ${a.position}.`, 'Refresh the review queue.');
  const tx = db.transaction(() => {
    const verdicts = q.verdicts(a.versionId, a.position).filter((v) => v.verdict !== 'skip');
    if (!disagree(verdicts)) {
      throw new LatheError('INVALID_ARGUMENTS', `Example #${a.position + 1} has no disagreement to settle.`, 'Adjudicate examples listed under disagreements.');
    }
    const id = q.insertAdjudication({ version_id: a.versionId, position: a.position, verdict: a.verdict, adjudicator: a.by, reason: a.reason, at: new Date().toISOString() });
    const state = recompute(db, a.versionId, a.position);
    const audit = new AuditLog(db).append({
      actor: a.by, action: 'dataset.review.adjudicate', objectType: 'dataset_version', objectId: a.versionId,
      details: { position: a.position, adjudication: id, verdict: a.verdict, reason: a.reason, verdicts: verdicts.map((v) => ({ reviewer: v.reviewer, verdict: v.verdict })), status: state.status },
    });
    return { state, audit };
  });
  return tx.immediate();
}

/** Skips don't count as an opinion; any two different opinions (including two different edits) disagree. */
function disagree(verdicts: VerdictRow[]): boolean {
  return new Set(verdicts.filter((v) => v.verdict !== 'skip').map((v) => `${v.verdict}:${v.after_hash ?? ''}`)).size > 1;
}

function combine(originalHash: string, verdicts: VerdictRow[]): { status: string; finalHash: string | null } | null {
  const opinions = verdicts.filter((v) => v.verdict !== 'skip');
  if (opinions.length === 0) return verdicts.length ? { status: 'skipped', finalHash: null } : null;
  if (disagree(opinions)) return { status: 'disagreement', finalHash: null };
  const v = opinions[0]!;
  if (v.verdict === 'accept') return { status: 'accepted', finalHash: originalHash };
  if (v.verdict === 'edit') return { status: 'edited', finalHash: v.after_hash };
  return { status: 'rejected', finalHash: null };
}

export function reviewState(db: Database.Database, versionId: string, position: number): ReviewState {
  const q = reviewQueries(db);
  const s = q.status(versionId, position);
  const verdicts = q.verdicts(versionId, position);
  return {
    position,
    status: (s?.status ?? 'unreviewed') as ReviewState['status'],
    finalHash: s?.final_hash ?? null,
    tags: q.tags(versionId, position),
    verdicts: verdicts.map((v) => ({ reviewer: v.reviewer, verdict: v.verdict, afterHash: v.after_hash, at: v.at })),
    comments: q.commentCount(versionId, position),
    adjudication: adjudicationOf(q.adjudication(versionId, position), verdicts),
  };
}

/** The adjudication that decides the status now: only while the labellers disagree (once they agree, it is history). */
function adjudicationOf(row: AdjudicationRow | undefined, verdicts: VerdictRow[]): ReviewState['adjudication'] {
  if (!row || !disagree(verdicts)) return null;
  return { verdict: row.verdict, by: row.adjudicator, reason: row.reason, at: row.at };
}

export function reviewHistory(db: Database.Database, versionId: string, position: number): { entries: ReviewEntry[]; state: ReviewState } {
  requireVersion(db, versionId);
  if (!reviewQueries(db).exampleAt(versionId, position)) throw new LatheError('NOT_FOUND', `Version has no example at position ${position}.`, 'Refresh the review queue.');
  return { entries: reviewQueries(db).history(versionId, position).map((r) => toEntry(db, r)), state: reviewState(db, versionId, position) };
}

function toEntry(db: Database.Database, r: ReviewRow & { undone: number }): ReviewEntry {
  const q = reviewQueries(db);
  const content = (hash: string | null) => {
    const text = hash ? q.contentByHash(hash) : undefined;
    return text ? (JSON.parse(text) as ExampleContent) : null;
  };
  const isEdit = r.action === 'edit';
  const from = r.carried_from_version ? datasetQueries(db).versionById(r.carried_from_version) : undefined;
  return {
    id: r.id,
    position: r.position,
    reviewer: r.reviewer,
    action: r.action as ReviewEntry['action'],
    beforeHash: r.before_hash,
    afterHash: r.after_hash,
    before: isEdit ? content(r.before_hash) : null,
    after: isEdit ? content(r.after_hash) : null,
    tag: r.tag,
    reason: r.reason,
    undoes: r.undoes,
    undone: Boolean(r.undone),
    at: r.at,
    carriedFrom: r.carried_from_version ? { versionId: r.carried_from_version, versionNumber: from?.number ?? null, position: r.carried_from_position ?? 0 } : null,
  };
}

/**
 * A new version from the review: accepted examples as they are, edited ones as their revision (same source, so
 * the diff shows them as changed), unreviewed and skipped ones only when asked; rejected and disputed ones never.
 *
 * The kept examples stay reviewed: every reviewer who accepted one (or made the edit it now holds) judged exactly
 * the text the new version has, so that judgement is carried into the new version's history as an accept marked
 * with where it was given (migration 026). Skipped and unreviewed examples start unreviewed.
 */
export function makeReviewedVersion(db: Database.Database, versionId: string, includeUnreviewed: boolean, actor: string) {
  const parent = requireVersion(db, versionId);
  const q = reviewQueries(db);
  const status = new Map(q.allStatus(versionId).map((s) => [s.position, s]));
  const counts = { kept: 0, edited: 0, dropped: 0, disagreements: 0, carried: 0 };
  const carry: Array<{ from: number; to: number; hash: string }> = [];
  function* rows(): Generator<DerivedRow> {
    for (const r of versionRows(db, parent)) {
      const s = status.get(r.position);
      const st = s?.status ?? 'unreviewed';
      if (st === 'accepted' || ((st === 'unreviewed' || st === 'skipped') && includeUnreviewed)) {
        if (st === 'accepted') carry.push({ from: r.position, to: counts.kept, hash: r.content_hash });
        counts.kept += 1;
        yield { hash: r.content_hash, text: r.content, source: r.source, split: r.split };
      } else if (st === 'edited' && s!.final_hash) {
        carry.push({ from: r.position, to: counts.kept, hash: s!.final_hash });
        counts.kept += 1;
        counts.edited += 1;
        yield { hash: s!.final_hash, text: q.contentByHash(s!.final_hash)!, source: r.source, split: r.split };
      } else {
        counts.dropped += 1;
        if (st === 'disagreement') counts.disagreements += 1;
      }
    }
  }
  const params = { op: 'review', kind: 'review', from: versionId, includeUnreviewed };
  const carryVerdicts = (version: { id: string }) => {
    for (const c of carry) {
      const opinions = q.verdicts(versionId, c.from).filter((v) => v.verdict !== 'skip');
      // A disagreement a curator settled is carried whole: every labeller's verdict as given, and the settlement that
      // decides it (otherwise the new version would read as if everyone had accepted).
      const settled = disagree(opinions) ? q.adjudication(versionId, c.from) : undefined;
      const carried: VerdictRow[] = settled
        ? opinions.map((v) => ({ ...v, version_id: version.id, position: c.to }))
        : opinions.filter((v) => v.verdict === 'accept' || v.verdict === 'edit').map((v) => ({ ...v, version_id: version.id, position: c.to, verdict: 'accept', after_hash: null }));
      for (const v of carried) {
        q.insert({
          version_id: version.id, position: c.to, reviewer: v.reviewer, action: v.verdict, before_hash: c.hash, after_hash: v.after_hash,
          tag: null, reason: null, undoes: null, at: v.at, carried_from_version: versionId, carried_from_position: c.from,
        });
      }
      q.replaceVerdicts(version.id, c.to, carried);
      if (settled) q.insertAdjudication({ version_id: version.id, position: c.to, verdict: settled.verdict, adjudicator: settled.adjudicator, reason: settled.reason, at: settled.at });
      q.replaceStatus(version.id, c.to, { status: 'accepted', finalHash: c.hash });
      counts.carried += 1;
    }
  };
  const { version, audit } = writeDerivedVersion(db, parent, rows(), {
    operation: 'review', params, actor, auditAction: 'dataset.review.version', auditDetails: () => counts, inTransaction: carryVerdicts,
  });
  return { version, audit, ...counts };
}
