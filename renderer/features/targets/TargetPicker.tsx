import { useEffect } from 'react';
import { pageHref } from '../shell/pages.js';
import { useTargets } from './targets-store.js';
import { TARGET_KIND_LABEL, targetHealth, targetLoad } from './target-view.js';
import '../../styles/targets.css';

/** The Train page's "Where": this machine or a saved compute target, each with its health and its runs. */
export function TargetPicker({ value, onChange }: { value: string | undefined; onChange(target: string | undefined): void }) {
  const { targets, status, load } = useTargets();
  useEffect(() => {
    void load();
  }, [load]);
  const chosen = value ?? 'local';
  const shown = status === 'ready' ? targets : targets.length ? targets : [];
  return (
    <div className="field">
      <span className="field-label" id="train-target-label">
        Run it on
      </span>
      <div className="target-grid" role="radiogroup" aria-labelledby="train-target-label" data-testid="train-target">
        {shown.map((t) => {
          const health = targetHealth(t);
          const load = targetLoad(t);
          return (
            <button
              key={t.name}
              type="button"
              role="radio"
              aria-checked={chosen === t.name}
              className={`preset-card target-card${chosen === t.name ? ' is-selected' : ''}`}
              data-testid={`train-target-${t.name}`}
              onClick={() => onChange(t.name === 'local' ? undefined : t.name)}
            >
              <span className="preset-title">{t.kind === 'local' ? 'This machine' : t.name}</span>
              <span className="preset-blurb">{t.kind === 'local' ? 'No copying; the device below' : `${TARGET_KIND_LABEL[t.kind]} · ${t.address}`}</span>
              <span className={`target-health is-${health.tone}`}>{health.text}</span>
              {load && <span className="preset-values">{load}</span>}
            </button>
          );
        })}
      </div>
      <span className="field-hint">
        {chosen === 'local' ? (
          <>
            GPU servers and Slurm clusters are added on the <a href={pageHref('compute')}>Compute</a> page.
          </>
        ) : (
          'The base model and data are copied there and verified by sha256; the weights come back verified before they are registered.'
        )}
      </span>
    </div>
  );
}
