import type { RunSummary } from '../../../src/shared/contract/index.js';
import { ButtonLink } from '../../components/Button.js';
import { RefreshIcon } from '../../components/icons.js';
import { pageHref } from '../shell/pages.js';

/**
 * A finished run again as a new, linked run with changed settings (the old one stays as it was): the Train form
 * opens filled with every setting of this run — base model and data included — all of them editable.
 */
export function RetryPanel({ run }: { run: RunSummary }) {
  const failed = run.status === 'failed' || run.status === 'interrupted';
  return (
    <section className="run-panel" aria-labelledby="run-retry-title">
      <h2 className="run-panel-title" id="run-retry-title">
        Retry with new settings
      </h2>
      <p className="run-panel-text">
        {failed ? 'Fix what made it fail — ' : 'Change '}the base model, the data, the method or any hyper-parameter in the Train form, filled in with this
        run’s settings. The new run is linked to this one.
      </p>
      {run.startArgs ? (
        <div>
          <ButtonLink href={`${pageHref('train')}/retry/${encodeURIComponent(run.id)}`} variant={failed ? 'primary' : 'secondary'} icon={RefreshIcon} testId="run-retry">
            Retry with new settings
          </ButtonLink>
        </div>
      ) : (
        <p className="run-panel-empty">This run was started by an older Lathe that did not keep its settings; start a new run from the Train page.</p>
      )}
    </section>
  );
}
