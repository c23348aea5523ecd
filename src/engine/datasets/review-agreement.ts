import type Database from 'better-sqlite3';
import type { ReviewAgreement } from '../../shared/contract/features/review.js';
import { reviewQueries } from '../db/queries/review.js';
import { cohensKappa, krippendorffAlpha } from './agreement.js';

/**
 * How far a version's labellers agree (issue 15, shared labelling), on the examples two or more of them judged (the
 * overlap): Krippendorff's alpha over every labeller's verdict (accept, reject, edit, skip), Cohen's kappa for each
 * pair of labellers on the examples both judged, and per tag alpha over "tagged or not" by each labeller who judged
 * the example. The disagreements themselves are `reviews.disagreements`, for a curator to settle.
 */
export function reviewAgreement(db: Database.Database, versionId: string): ReviewAgreement {
  const q = reviewQueries(db);
  const byPosition = new Map<number, Map<string, string>>();
  for (const v of q.allVerdicts(versionId)) {
    const m = byPosition.get(v.position) ?? new Map<string, string>();
    m.set(v.reviewer, v.verdict);
    byPosition.set(v.position, m);
  }
  const overlap = [...byPosition].filter(([, m]) => m.size >= 2);
  const reviewers = [...new Set(overlap.flatMap(([, m]) => [...m.keys()]))].sort();

  const verdictAlpha = krippendorffAlpha(overlap.map(([, m]) => [...m.values()]));
  const pairs: ReviewAgreement['pairs'] = [];
  for (let i = 0; i < reviewers.length; i += 1) {
    for (let j = i + 1; j < reviewers.length; j += 1) {
      const [a, b] = [reviewers[i]!, reviewers[j]!];
      const both = overlap.filter(([, m]) => m.has(a) && m.has(b)).map(([, m]) => [m.get(a)!, m.get(b)!] as const);
      if (both.length) pairs.push({ a, b, ...cohensKappa(both) });
    }
  }

  // Tags: each labeller's own tags on the overlap examples (the last tag/untag of theirs that was not undone).
  const tagged = new Map<string, boolean>(); // `${position}\u0000${reviewer}\u0000${tag}`
  for (const t of q.tagActions(versionId)) tagged.set(`${t.position}\u0000${t.reviewer}\u0000${t.tag}`, t.action === 'tag');
  const tagNames = [...new Set([...tagged.keys()].map((k) => k.split('\u0000')[2]!))].sort();
  // Only tags someone gave on the overlap: a tag used elsewhere says nothing about agreement here.
  const tags = tagNames.flatMap((tag) => {
    const units = overlap.map(([position, m]) => [...m.keys()].map((reviewer) => (tagged.get(`${position}\u0000${reviewer}\u0000${tag}`) ? 'tagged' : 'not tagged')));
    return units.some((u) => u.includes('tagged')) ? [{ tag, ...krippendorffAlpha(units) }] : [];
  });

  return { versionId, reviewers, overlap: overlap.length, verdicts: verdictAlpha, pairs, tags };
}
