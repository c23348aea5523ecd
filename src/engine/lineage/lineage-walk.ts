import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { Lineage, LineageKind, LineageNode } from '../../shared/contract/features/lineage.js';
import type { VersionApproval } from '../../shared/contract/features/datasets.js';
import { lineageQueries } from '../db/queries/lineage.js';
import { approvalsOf } from '../datasets/version-approval.js';
import { releaseSignatures, signatureLine } from '../evals/release-signatures.js';
import type { Signature } from '../../shared/contract/features/auth.js';

type Ref = { kind: LineageKind; id: string };
type Q = ReturnType<typeof lineageQueries> & { approvals: (versionId: string) => VersionApproval[]; releaseSignatures: (releaseId: string) => Signature[] };
const key = (r: Ref) => `${r.kind}:${r.id}`;
const short = (h: string | null | undefined) => (h ? `${h.slice(0, 12)}…` : '—');

/**
 * The lineage of one object: a breadth-first walk upstream (what it came from) and downstream (what came of it),
 * never sideways — the lineage of an adapter shows its base, data and run, and its evals and exports, not every
 * other adapter trained on the same data. Bounded by `limit` nodes.
 */
export function walkLineage(db: Database.Database, focus: Ref, limit: number): Lineage {
  const q: Q = { ...lineageQueries(db), approvals: (versionId) => approvalsOf(db, versionId), releaseSignatures: (id) => releaseSignatures(db, id) };
  if (!describe(q, focus, 0)) throw new LatheError('NOT_FOUND', `There is no ${focus.kind} ${focus.id}.`, 'Open lineage from a model, run, dataset version, eval or export that exists.');
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, { from: string; to: string; label: string }>();
  let truncated = false;
  for (const direction of ['up', 'down'] as const) {
    const queue: Array<[Ref, number]> = [[focus, 0]];
    const seen = new Set<string>([key(focus)]);
    while (queue.length) {
      const [ref, depth] = queue.shift()!;
      if (!nodes.has(key(ref))) {
        if (nodes.size >= limit) {
          truncated = true;
          break;
        }
        const node = describe(q, ref, depth);
        if (!node) continue;
        nodes.set(key(ref), node);
      }
      const links = direction === 'up' ? parents(q, ref) : children(q, ref);
      for (const { ref: next, label } of links) {
        const [from, to] = direction === 'up' ? [next, ref] : [ref, next];
        edges.set(`${key(from)}>${key(to)}`, { from: key(from), to: key(to), label });
        if (seen.has(key(next))) continue;
        seen.add(key(next));
        queue.push([next, direction === 'up' ? depth - 1 : depth + 1]);
      }
    }
  }
  const present = [...edges.values()].filter((e) => nodes.has(e.from) && nodes.has(e.to));
  return { focus, nodes: [...nodes.values()].sort((a, b) => a.depth - b.depth || a.createdAt.localeCompare(b.createdAt)), edges: present, truncated };
}

function parents(q: Q, r: Ref): Array<{ ref: Ref; label: string }> {
  if (r.kind === 'version') {
    const v = q.version.get(r.id);
    return v?.parent_id ? [{ ref: { kind: 'version', id: v.parent_id }, label: v.operation }] : [];
  }
  if (r.kind === 'run') {
    const run = q.run.get(r.id);
    if (!run) return [];
    const recipe = run.start_args ? ((JSON.parse(run.start_args) as { recipe?: Array<{ datasetVersionId: string }> }).recipe ?? []) : [];
    const versions = [...new Set([run.dataset_version_id, ...recipe.map((x) => x.datasetVersionId)].filter((x): x is string => !!x))];
    return [...q.modelsByPath(run.base_model).map((m) => ({ ref: { kind: 'model' as const, id: m.id }, label: 'base model' })), ...versions.map((id) => ({ ref: { kind: 'version' as const, id }, label: 'trained on' }))];
  }
  if (r.kind === 'model') {
    const m = q.model.get(r.id);
    if (!m) return [];
    const out: Array<{ ref: Ref; label: string }> = [];
    if (m.run_id && (m.kind === 'adapter' || m.kind === 'base')) out.push({ ref: { kind: 'run', id: m.run_id }, label: 'produced' });
    else if (m.parent_id) out.push({ ref: { kind: 'model', id: m.parent_id }, label: m.kind === 'gguf' ? 'converted from' : m.kind === 'merged' ? 'merged from' : 'parent' });
    for (const x of q.exportsHoldingSha(m.sha256)) out.push({ ref: { kind: 'export', id: x.export_id }, label: 'exported as' });
    return out;
  }
  if (r.kind === 'eval') {
    const e = q.eval.get(r.id);
    if (!e) return [];
    return [
      { ref: { kind: 'model', id: e.model_id }, label: 'model' },
      ...(JSON.parse(e.adapter_ids) as string[]).map((id) => ({ ref: { kind: 'model' as const, id }, label: 'adapter' })),
      { ref: { kind: 'version', id: e.dataset_version_id }, label: `${e.split} split` },
    ];
  }
  if (r.kind === 'export') {
    const x = q.export.get(r.id);
    return x ? [{ ref: { kind: 'model', id: x.model_id }, label: 'export of' }] : [];
  }
  const rel = q.release.get(r.id);
  if (!rel) return [];
  return [{ ref: { kind: 'eval', id: rel.eval_id }, label: 'decided on' }, ...(rel.export_id ? [{ ref: { kind: 'export' as const, id: rel.export_id }, label: 'ships' }] : [])];
}

function children(q: Q, r: Ref): Array<{ ref: Ref; label: string }> {
  const refs = (kind: LineageKind, rows: Array<{ id: string }>, label: string) => rows.map((x) => ({ ref: { kind, id: x.id }, label }));
  if (r.kind === 'version') return [...refs('version', q.childVersions(r.id), 'curated into'), ...refs('run', q.runsOfVersion(r.id), 'trained'), ...refs('eval', q.evalsOfVersion(r.id), 'evaluated on')];
  if (r.kind === 'run') return refs('model', q.modelsOfRun(r.id), 'produced');
  if (r.kind === 'model') {
    const m = q.model.get(r.id);
    const kids = q.childModels(r.id).filter((c) => {
      const child = q.model.get(c.id);
      return !(child?.run_id && (child.kind === 'adapter' || child.kind === 'base')); // a trained child is reached through its run
    });
    const runs = m && (m.kind === 'base' || m.format === 'hf') ? q.runsOfBase(m.path) : [];
    return [...refs('run', runs, 'base of'), ...refs('model', kids, 'derived'), ...refs('eval', q.evalsOfModel(r.id), 'evaluated'), ...refs('export', q.exportsOfModel(r.id), 'exported')];
  }
  if (r.kind === 'eval') return refs('release', q.releasesOfEval(r.id), 'release decision');
  if (r.kind === 'export') {
    const gguf = q.exportFiles(r.id).flatMap((f) => q.modelsBySha(f.sha256));
    return [...refs('model', gguf, 'registered file'), ...refs('release', q.releasesOfExport(r.id), 'release decision')];
  }
  return [];
}

/** Where a run on a compute target trained: "cluster · host · Slurm job 12" (null for this machine). */
function runWhere(q: Q, run: { id: string; start_args: string | null }): string | null {
  const target = run.start_args ? (JSON.parse(run.start_args) as { target?: string }).target : undefined;
  if (!target) return null;
  const launch = q.runLaunch.get(run.id)?.data;
  const d = launch ? (JSON.parse(launch) as { host?: string; jobId?: string; remotePid?: number }) : {};
  return [target, d.host, d.jobId ? `Slurm job ${d.jobId}` : d.remotePid ? `pid ${d.remotePid}` : null].filter(Boolean).join(' · ');
}

/** Who reviewed a version's examples and who settled their disagreements: "ada 12 · bob 9" (examples each). */
function reviewFacts(q: Q, versionId: string): Array<{ label: string; value: string }> {
  const reviewers = q.versionReviewers(versionId).map((r) => `${r.reviewer} ${r.examples}`);
  const settlers = q.versionAdjudicators(versionId).map((r) => `${r.adjudicator} ${r.examples}`);
  return [...(reviewers.length ? [{ label: 'Reviewed by', value: reviewers.join(' · ') }] : []), ...(settlers.length ? [{ label: 'Disagreements settled by', value: settlers.join(' · ') }] : [])];
}

/** "alice · 2026-12-04 23:10 UTC · signed" (or "signature invalid", or "content changed since"). */
function approvalText(a: VersionApproval): string {
  const when = `${a.approvedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const signed = a.signatures.length ? (a.signatures.every((s) => s.valid) ? 'signed' : 'signature invalid') : null;
  return [a.approvedBy, when, signed, a.current ? null : 'content changed since'].filter(Boolean).join(' · ');
}

function describe(q: Q, r: Ref, depth: number): LineageNode | null {
  const base = { kind: r.kind, id: r.id, depth };
  if (r.kind === 'version') {
    const v = q.version.get(r.id);
    return v ? { ...base, label: `${v.dataset} v${v.number}`, sub: v.operation, hash: v.content_hash, createdAt: v.created_at, facts: [{ label: 'Examples', value: String(v.example_count) }, { label: 'Made by', value: `${v.operation} · ${v.created_by}` }, { label: 'Content hash', value: v.content_hash }, ...reviewFacts(q, v.id), ...q.approvals(v.id).map((a) => ({ label: 'Approved for training', value: approvalText(a) }))] } : null;
  }
  if (r.kind === 'run') {
    const run = q.run.get(r.id);
    if (!run) return null;
    const c = JSON.parse(run.config) as Record<string, unknown>;
    const where = runWhere(q, run);
    return { ...base, label: run.name, sub: run.status, hash: null, createdAt: run.created_at, facts: [{ label: 'Method', value: `${String(c.method ?? '')} · ${String(c.objective ?? '')}` }, { label: 'Seed', value: String(c.seed ?? '') }, { label: 'Steps', value: String(c.max_steps ?? '') }, { label: 'Learning rate', value: String(c.lr ?? '') }, { label: 'Base', value: run.base_model }, ...(where ? [{ label: 'Trained on', value: where }] : [])] };
  }
  if (r.kind === 'model') {
    const m = q.model.get(r.id);
    return m ? { ...base, label: m.name, sub: m.kind, hash: m.sha256, createdAt: m.created_at, facts: [{ label: 'Format', value: `${m.format}${m.quantization ? ` · ${m.quantization}` : ''}` }, { label: 'sha256', value: m.sha256 }, { label: 'Path', value: m.path }] } : null;
  }
  if (r.kind === 'eval') {
    const e = q.eval.get(r.id);
    if (!e) return null;
    const s = q.evalScores.get(r.id)!;
    const pts = (x: number | null) => (x === null ? '—' : (x * 100).toFixed(1));
    return { ...base, label: e.label, sub: e.status, hash: null, createdAt: e.created_at, facts: [{ label: 'Items', value: String(s.n) }, { label: 'Token F1', value: pts(s.f1) }, { label: 'Exact match', value: pts(s.exact) }, { label: 'Split', value: e.split }] };
  }
  if (r.kind === 'export') {
    const x = q.export.get(r.id);
    // A finished export reads as the Export page shows it: draft until a release decision names one of its files.
    const decision = x?.status === 'draft' ? q.releaseOfExport(r.id)?.decision : undefined;
    const sub = decision === 'released' ? 'released' : decision ? 'released · override' : (x?.status ?? '');
    return x ? { ...base, label: x.name, sub, hash: x.manifest_sha256, createdAt: x.created_at, facts: [...q.exportFiles(r.id).map((f) => ({ label: f.path, value: short(f.sha256) })), { label: 'Folder', value: x.path }] } : null;
  }
  const rel = q.release.get(r.id);
  return rel ? { ...base, label: rel.decision === 'released' ? 'Released' : 'Released with override', sub: rel.decision, hash: rel.artefact_sha256, createdAt: rel.created_at, facts: [{ label: 'Ships', value: rel.artefact_path ?? 'registry model (not bound to an export)' }, ...(rel.reviewer ? [{ label: 'Reviewer', value: rel.reviewer }] : []), ...q.releaseSignatures(rel.id).map((sig) => ({ label: 'Signed', value: signatureLine(sig) }))] } : null;
}
