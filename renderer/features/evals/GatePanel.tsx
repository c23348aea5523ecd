import { useEffect, useState } from 'react';
import type { GateCriterion, Release } from '../../../src/shared/contract/features/evals.js';
import { Button } from '../../components/Button.js';
import { CheckCircleIcon, ShieldCheckIcon, XCircleIcon, XIcon } from '../../components/icons.js';
import { toastError, useToasts } from '../../stores/toasts.js';
import { loadGate, overrideGate, setGate, useGateCheck, type GateTarget, type ShipChoice } from './evals-gate-store.js';
import { targetLabel, useEvaluate } from './evals-store.js';
import { ReleaseReportButtons } from './ReleaseReportButtons.js';
import { ReleaseDialog } from './ReleaseDialog.js';
import { ShipPicker } from './ShipPicker.js';
import { useSession, useSignedInName } from '../../stores/session.js';
import { formatDateTime } from '../../lib/format.js';
import { SignatureLine } from './SignatureLine.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';

const METRIC = { exact: 'exact match', f1: 'token F1', rougeL: 'ROUGE-L' } as const;

export function describeCriterion(c: GateCriterion): string {
  if (c.kind === 'no-safety-regressions') return 'no safety regressions against the base';
  if (c.kind === 'no-canary-leaks') return 'no PII canary reproduced';
  if (c.kind === 'min-gain') return `${METRIC[c.metric]} ≥ base + ${c.points} points`;
  if (c.kind === 'min-score') return `${METRIC[c.metric]} ≥ ${c.points}`;
  return `at most ${c.count} items lose more than ${c.points} ${METRIC[c.metric]} points`;
}

/**
 * The release gate: the project's criteria, the decision for the compared candidate (B) against its baseline
 * (A), and release — or an override that needs the reviewer's name and a written reason.
 */
export function GatePanel() {
  const canApprove = useCan('approve');
  const { evals, models, aId, bId } = useEvaluate();
  const a = evals.find((e) => e.id === aId);
  const b = evals.find((e) => e.id === bId);
  const [criteria, setCriteria] = useState<GateCriterion[]>([]);
  const [releases, setReleases] = useState<Release[]>([]);
  const [draft, setDraft] = useState<Extract<GateCriterion, { metric: unknown }>>({ kind: 'min-gain', metric: 'f1', points: 5 });
  const signedIn = useSignedInName();
  const team = useSession((s) => s.team);
  const isAdmin = useSession((s) => s.user?.role === 'admin');
  const [twoPerson, setTwoPerson] = useState(false);
  const [typed, setReviewer] = useState('');
  const reviewer = signedIn ?? typed; // team mode: the signed-in user, as the engine records it
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [ship, setShip] = useState<ShipChoice | null>(null);
  const [confirming, setConfirming] = useState(false);

  const reload = async () => {
    const g = await loadGate();
    setCriteria(g.criteria);
    setTwoPerson(g.twoPersonRule);
    setReleases(g.releases);
  };
  useEffect(() => void reload().catch((err) => toastError('Could not load the release gate', err)), []);
  const targets = a && b ? { candidate: { modelId: b.modelId, adapterIds: b.adapterIds }, baseline: { modelId: a.modelId, adapterIds: a.adapterIds } } : null;
  // A chosen export file replaces the candidate: the gate then counts only evals of exactly those bytes.
  const request: GateTarget | null = targets && ship ? { artefact: ship, baseline: targets.baseline } : targets;
  const check = useGateCheck(request, [aId, bId, criteria, evals.map((e) => e.status).join(), ship]);

  async function save(next: GateCriterion[], rule?: boolean) {
    const ruleBefore = twoPerson;
    if (rule !== undefined) setTwoPerson(rule); // the box follows the click at once; a refusal puts it back below
    try {
      const saved = await setGate(next, rule);
      setCriteria(saved.criteria);
      setTwoPerson(saved.twoPersonRule);
    } catch (err) {
      if (rule !== undefined) setTwoPerson(ruleBefore);
      toastError(rule === undefined ? 'Could not save the criteria' : 'Could not change the two-person rule', err);
    }
  }
  const candidateLabel = targets ? (ship ? ship.file : targetLabel(models, targets.candidate.modelId, targets.candidate.adapterIds)) : '';
  // The decision already recorded for this candidate (the same exported bytes, or the same model + adapters): a
  // release is recorded once, so it replaces the Release button.
  const released = targets && check ? releases.find((r) => (check.artefact ? r.artefactSha256 === check.artefact.sha256 : r.artefactSha256 === null && r.modelId === targets.candidate.modelId && r.adapterIds.join() === targets.candidate.adapterIds.join())) : undefined;
  async function override() {
    if (!targets || !request) return;
    setBusy(true);
    try {
      await overrideGate({ ...request, reviewer, reason, ...(signedIn ? { password } : {}) });
      useToasts.getState().push({ tone: 'success', title: 'Released with an override', message: `${candidateLabel} — recorded in the audit log.`, hint: null });
      setReason('');
      await reload();
    } catch (err) {
      toastError('Override not recorded', err);
    } finally {
      setBusy(false);
    }
  }
  async function onReleased(r: Release) {
    setConfirming(false);
    useToasts.getState().push({ tone: 'success', title: 'Released', message: `${candidateLabel} — approved by ${r.reviewer ?? r.createdBy} (“${r.meaning ?? ''}”), recorded in the audit log.`, hint: null });
    await reload().catch((err) => toastError('Could not reload the releases', err));
  }

  return (
    <section className="ev-card" aria-labelledby="ev-gate-title" data-testid="ev-gate">
      <h2 className="ev-card-title" id="ev-gate-title"><ShieldCheckIcon size={15} /> Release gate</h2>
      <ul className="ev-criteria" data-testid="ev-criteria">
        {criteria.length === 0 && <li className="ev-muted">No criteria yet. A model cannot be released until some are set.</li>}
        {criteria.map((c, i) => (
          <li key={i}>
            <span>{describeCriterion(c)}</span>
            {canApprove && <button type="button" className="ev-icon-btn" aria-label={`Remove “${describeCriterion(c)}”`} onClick={() => void save(criteria.filter((_, j) => j !== i))}><XIcon size={13} /></button>}
          </li>
        ))}
      </ul>
      {canApprove && <div className="ev-criterion-form">
        <span className="select-input">
          <select aria-label="Criterion kind" data-testid="ev-crit-kind" value={draft.kind} onChange={(e) => setDraft(e.target.value === 'max-regressions' ? { kind: 'max-regressions', metric: draft.metric, points: 10, count: 0 } : { kind: e.target.value as 'min-gain', metric: draft.metric, points: draft.points })}>
            <option value="min-gain">Beats base by</option>
            <option value="min-score">Scores at least</option>
            <option value="max-regressions">Regressions at most</option>
          </select>
        </span>
        <span className="select-input">
          <select aria-label="Metric" data-testid="ev-crit-metric" value={draft.metric} onChange={(e) => setDraft({ ...draft, metric: e.target.value as 'f1' })}>
            {Object.entries(METRIC).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
          </select>
        </span>
        <span className="text-input ev-num"><input type="number" aria-label="Points" data-testid="ev-crit-points" value={draft.points} onChange={(e) => setDraft({ ...draft, points: Number(e.target.value) })} /></span>
        {draft.kind === 'max-regressions' && <span className="text-input ev-num"><input type="number" min={0} aria-label="Items allowed" value={draft.count} onChange={(e) => setDraft({ ...draft, count: Math.max(0, Math.round(Number(e.target.value))) })} /></span>}
        <Button size="sm" onClick={() => void save([...criteria, draft])} data-testid="ev-crit-add">Add</Button>
      </div>}

      {(team || twoPerson) && (
        <label className="ev-rule" data-testid="ev-two-person">
          <input type="checkbox" checked={twoPerson} disabled={!isAdmin} onChange={(e) => void save(criteria, e.target.checked)} data-testid="ev-two-person-toggle" />
          <span>
            <strong>Two-person rule</strong> — whoever trained or registered a candidate cannot release it.
            {!isAdmin && <span className="ev-muted"> {team ? 'An admin changes this.' : 'Set in team mode.'}</span>}
          </span>
        </label>
      )}

      <h3 className="ev-sub-title">Decision</h3>
      {!targets ? (
        <p className="ev-muted">Pick a baseline (A) and a candidate (B) under Compare.</p>
      ) : (
        <div data-testid="ev-decision">
          <p className="ev-muted">Candidate <strong>{ship ? ship.file : targetLabel(models, targets.candidate.modelId, targets.candidate.adapterIds)}</strong> against <strong>{targetLabel(models, targets.baseline.modelId, targets.baseline.adapterIds)}</strong>, on their latest evals.</p>
          <ShipPicker value={ship} onChange={setShip} />
          {check?.artefact ? (
            <p className="ev-artefact" data-testid="ev-artefact">
              Ships <code>{check.artefact.file}</code> from export <strong>{check.artefact.exportName}</strong> · sha256 <code title={check.artefact.sha256}>{check.artefact.sha256.slice(0, 16)}…</code> — {check.candidateEvalId ? 'the exact bytes the candidate eval ran on.' : 'not evaluated yet: only an eval of these bytes counts.'}
            </p>
          ) : (
            check && (
              <p className="ev-muted" data-testid="ev-artefact-none">
                Not an exported file: releasing approves this model version, and its exports stay <strong>draft</strong> until one of their GGUF files is evaluated and released.
              </p>
            )
          )}
          {check && (
            <>
              <div className={`ev-verdict ${check.passed ? 'is-pass' : 'is-fail'}`} data-testid="ev-verdict">
                {check.passed ? <CheckCircleIcon size={16} /> : <XCircleIcon size={16} />}
                {check.passed ? 'Passes the release gate' : 'Does not pass the release gate'}
              </div>
              <ul className="ev-results">
                {check.problems.map((p) => <li key={p} className="is-fail">{p}</li>)}
                {check.results.map((r, i) => <li key={i} className={r.passed ? 'is-pass' : 'is-fail'}>{r.passed ? '✓' : '✗'} {r.detail}</li>)}
              </ul>
            </>
          )}
          {released ? (
            <div className={`ev-released ${released.decision === 'released' ? 'is-released' : 'is-overridden'}`} data-testid="ev-released">
              <ShieldCheckIcon size={16} />
              <div>
                <strong>{released.decision === 'released' ? 'Released' : 'Released with an override'} by {released.reviewer ?? released.createdBy}</strong> at {formatDateTime(released.createdAt)}
                {released.meaning && <div className="ev-muted">“{released.meaning}”{released.artefactPath ? ` · ships ${released.artefactPath}` : ''}</div>}
                {released.signatures.map((sig, i) => <SignatureLine key={i} signature={sig} />)}
              </div>
            </div>
          ) : !canApprove ? (
            <RoleNote needs="approve" />
          ) : check?.passed ? (
            <Button variant="primary" icon={ShieldCheckIcon} onClick={() => setConfirming(true)} data-testid="ev-release">Release…</Button>
          ) : (
            <div className="ev-override">
              <label className="field">
                <span className="field-label">Reviewer</span>
                <span className="text-input"><input value={reviewer} onChange={(e) => setReviewer(e.target.value)} readOnly={signedIn !== null} placeholder="Full name" data-testid="ev-reviewer" /></span>
              </label>
              <label className="field">
                <span className="field-label">Reason for releasing anyway</span>
                <textarea className="ev-textarea" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why this model may ship although it fails the gate (recorded in the audit log)." data-testid="ev-reason" />
              </label>
              {signedIn && (
                <label className="field">
                  <span className="field-label">Your password, to sign the override</span>
                  <span className="text-input"><input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="ev-override-password" /></span>
                </label>
              )}
              <Button variant="danger" busy={busy} disabled={!check?.candidateEvalId || criteria.length === 0 || reviewer.trim().length < 2 || reason.trim().length < 20 || (signedIn !== null && !password)} onClick={() => void override()} data-testid="ev-override">Release with override</Button>
            </div>
          )}
          {confirming && check && request && targets && (
            <ReleaseDialog
              modelLabel={check.artefact?.modelId ? targetLabel(models, check.artefact.modelId, []) : targetLabel(models, targets.candidate.modelId, targets.candidate.adapterIds)}
              baselineLabel={targetLabel(models, targets.baseline.modelId, targets.baseline.adapterIds)}
              check={check}
              request={request}
              onClose={() => setConfirming(false)}
              onReleased={(r) => void onReleased(r)}
            />
          )}
        </div>
      )}

      {releases.length > 0 && (
        <>
          <h3 className="ev-sub-title">Releases</h3>
          <ul className="ev-releases" data-testid="ev-releases">
            {releases.map((r) => (
              <li key={r.id}>
                <span className={`run-status ${r.decision === 'released' ? 'is-completed' : 'is-failed'}`}>{r.decision === 'released' ? 'Released' : 'Override'}</span>
                <span>{targetLabel(models, r.modelId, r.adapterIds)}{r.artefactPath ? <span className="ev-muted"> · ships {r.artefactPath}</span> : <span className="ev-muted" title="Decided on a registry model, not on an exported file: its exports stay draft."> · not bound to an export</span>}</span>
                <span className="ev-muted">{formatDateTime(r.createdAt)}{r.reviewer ? ` · ${r.reviewer}` : ''}{r.decision === 'overridden' ? `: “${r.reason}”` : r.meaning ? ` — ${r.meaning}` : ''}</span>
                <ReleaseReportButtons releaseId={r.id} />
                {r.signatures.map((sig, i) => <SignatureLine key={i} signature={sig} />)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
