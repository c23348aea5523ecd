import { useCallback, useEffect, useRef, useState } from 'react';
import type { BlindPair, PreferenceResults, PreferenceSession } from '../../../src/shared/contract/features/preferences.js';
import { Button } from '../../components/Button.js';
import { UsersIcon } from '../../components/icons.js';
import { toastError } from '../../stores/toasts.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';
import { continueBlindSession, judgeBlindPair, listBlindSessions, revealBlindResults, startBlindSession, type BlindChoice as Choice } from './evals-compare-store.js';
import { useEvaluate } from './evals-store.js';

/**
 * Blind A/B: a domain expert reads the prompt and two answers, "1" and "2", and picks the better one with the
 * keyboard (1 / ← left, 2 / → right, 0 / ↓ tie). Which model wrote which, and which side it is on, stays hidden
 * until the results are revealed; then B's win rate comes with its 95% interval.
 */
export function BlindAbPanel() {
  const { evals, aId, bId } = useEvaluate();
  const [session, setSession] = useState<PreferenceSession | null>(null);
  const [pair, setPair] = useState<BlindPair | null>(null);
  const [results, setResults] = useState<PreferenceResults | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = evals.some((e) => e.id === aId && e.status === 'done') && evals.some((e) => e.id === bId && e.status === 'done') && aId !== bId;
  // Team mode: a trainer sets a comparison up; domain experts (label) judge it, each on their own; a viewer reads.
  const canStart = useCan('train');
  const canJudge = useCan('label');
  const [open, setOpen] = useState<PreferenceSession[]>([]);

  useEffect(() => {
    if (session || !canJudge) return;
    listBlindSessions().then((all) => setOpen(all.filter((s) => !s.revealed && s.judged < s.total)), (err: unknown) => toastError('Could not list the blind comparisons', err));
  }, [session, canJudge]);

  const begin = async (deal: () => Promise<{ session: PreferenceSession; pair: BlindPair | null }>, failure: string) => {
    setBusy(true);
    try {
      const next = await deal();
      setSession(next.session);
      setPair(next.pair);
      setResults(null);
    } catch (err) {
      toastError(failure, err);
    } finally {
      setBusy(false);
    }
  };
  const start = () => begin(() => startBlindSession(aId, bId), 'Could not start the blind comparison');

  // The key handler reads the current pair through refs: a key pressed right after an answer arrives must act on
  // the new pair, not be dropped by a handler from the render before (keys come faster than effects re-run).
  const current = useRef({ session, pair, inFlight: false });
  current.current.session = session;
  current.current.pair = pair;
  const choose = useCallback(async (choice: Choice) => {
    const { session: s, pair: p, inFlight } = current.current;
    if (!s || !p || inFlight) return;
    current.current.inFlight = true;
    setBusy(true);
    try {
      const next = await judgeBlindPair(s.id, p.position, choice);
      current.current.session = next.session;
      current.current.pair = next.pair;
      setSession(next.session);
      setPair(next.pair);
    } catch (err) {
      toastError('Could not record the choice', err);
    } finally {
      current.current.inFlight = false;
      setBusy(false);
    }
  }, []);

  const reveal = async () => {
    if (!session) return;
    try {
      setResults(await revealBlindResults(session.id));
      setPair(null);
    } catch (err) {
      toastError('Could not read the results', err);
    }
  };

  const hasPair = pair !== null;
  useEffect(() => {
    if (!hasPair) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
      const choice: Choice | null = e.key === '1' || e.key === 'ArrowLeft' ? 'left' : e.key === '2' || e.key === 'ArrowRight' ? 'right' : e.key === '0' || e.key === 'ArrowDown' ? 'tie' : null;
      if (!choice) return;
      e.preventDefault();
      void choose(choice);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [hasPair, choose]);

  return (
    <section className="ev-card ev-blind" aria-labelledby="ev-blind-title" data-testid="ev-blind">
      <div className="ev-card-head">
        <h2 id="ev-blind-title" className="ev-card-title">Blind A/B</h2>
        {session && <span className="ev-muted" data-testid="ev-blind-progress">{Math.min(session.judged + (pair ? 1 : 0), session.total)} of {session.total}</span>}
      </div>
      {!session && !canJudge && <RoleNote needs="label" testId="ev-blind-role-note" />}
      {!session && canJudge && (
        <div className="ev-blind-intro">
          <p className="ev-muted">A domain expert judges A’s and B’s answers side by side without knowing which model wrote which; sides are shuffled for every pair.</p>
          {canStart ? (
            <Button icon={UsersIcon} busy={busy} disabled={!ready} onClick={() => void start()} data-testid="ev-blind-start">
              Start blind comparison
            </Button>
          ) : (
            open.length === 0 && <p className="ev-muted" data-testid="ev-blind-none">No comparison is waiting for you. A trainer starts one from two evals; it appears here for you to judge.</p>
          )}
          {open.length > 0 && (
            <ul className="ev-blind-open" aria-label="Comparisons waiting for a judgement" data-testid="ev-blind-open">
              {open.map((s) => (
                <li key={s.id}>
                  <span>{s.label}</span>
                  <span className="ev-muted">{s.judged} of {s.total} judged by you</span>
                  <Button size="sm" busy={busy} onClick={() => void begin(() => continueBlindSession(s.id), 'Could not open the blind comparison')} data-testid="ev-blind-join">
                    {s.judged ? 'Continue' : 'Judge'}
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {pair && (
        <div className="ev-blind-pair" data-testid="ev-blind-pair">
          <div className="ev-blind-prompt">
            <span className="ev-blind-label">Prompt</span>
            <p>{pair.prompt}</p>
            <details>
              <summary>Reference answer</summary>
              <p>{pair.reference}</p>
            </details>
          </div>
          <div className="ev-blind-answers">
            {(['left', 'right'] as const).map((side, i) => (
              <button key={side} type="button" className="ev-blind-answer" onClick={() => void choose(side)} disabled={busy} data-testid={`ev-blind-${side}`}>
                <span className="ev-blind-label">Answer {i + 1} <kbd>{i + 1}</kbd></span>
                <span className="ev-blind-text">{pair[side] || <em>(empty answer)</em>}</span>
              </button>
            ))}
          </div>
          <div className="ev-blind-actions">
            <Button size="sm" onClick={() => void choose('tie')} disabled={busy} data-testid="ev-blind-tie">
              About the same <kbd>0</kbd>
            </Button>
            <span className="ev-muted">Keys: 1 or ← for answer 1, 2 or → for answer 2, 0 or ↓ for a tie.</span>
          </div>
        </div>
      )}
      {session && !pair && !results && (
        <div className="ev-blind-intro">
          <p className="ev-muted">{session.judged === session.total ? 'All pairs judged.' : `${session.judged} of ${session.total} judged.`} Reveal which model was which, and B’s win rate.</p>
          <Button variant="primary" onClick={() => void reveal()} data-testid="ev-blind-reveal">Reveal results</Button>
        </div>
      )}
      {session && pair && session.judged > 0 && (
        <button type="button" className="ev-link" onClick={() => void reveal()} data-testid="ev-blind-reveal-early">
          Stop and reveal after {session.judged}
        </button>
      )}
      {results && <BlindResults r={results} />}
    </section>
  );
}

function BlindResults({ r }: { r: PreferenceResults }) {
  const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
  return (
    <div className="ev-blind-results" data-testid="ev-blind-results">
      <div className="ev-blind-rate">
        <strong data-testid="ev-blind-winrate">{pct(r.winRateB)}</strong>
        <span>
          B preferred ({r.bLabel}) · 95% interval {pct(r.low)}–{pct(r.high)}
        </span>
      </div>
      {r.winRateB !== null && (
        <div className="ev-blind-bar" aria-hidden="true">
          <span className="ev-blind-ci" style={{ left: `${(r.low ?? 0) * 100}%`, width: `${((r.high ?? 0) - (r.low ?? 0)) * 100}%` }} />
          <span className="ev-blind-point" style={{ left: `${r.winRateB * 100}%` }} />
          <span className="ev-blind-mid" />
        </div>
      )}
      <p className="ev-muted">
        {r.n} judgements: B better {r.bWins}, A better {r.aWins}, ties {r.ties} (counted half). A was {r.aLabel}.
      </p>
    </div>
  );
}
