import { ButtonLink } from '../../components/Button.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { ActivityIcon, ClipboardCheckIcon, GaugeIcon, GitCompareIcon, ShieldCheckIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pageHref, pages } from '../shell/pages.js';

export function EvaluatePage() {
  return (
    <>
      <PageHeader {...pages.evaluate} />
      <EmptyState
        id="evaluate"
        icon={ClipboardCheckIcon}
        title="No evaluations yet"
        description="Evaluate a trained model on the test split of its dataset, next to the model it started from. A model has to pass its release gate before it can be exported."
        footer={
          <ButtonLink href={pageHref('runs')} icon={ActivityIcon}>
            Go to Runs
          </ButtonLink>
        }
      >
        <div className="option-grid option-grid-3">
          <OptionCard icon={GaugeIcon} title="Automatic metrics">
            Exact match, overlap and format checks on held-out examples.
          </OptionCard>
          <OptionCard icon={GitCompareIcon} title="Blind A/B review">
            Experts judge two answers without knowing which model wrote them.
          </OptionCard>
          <OptionCard icon={ShieldCheckIcon} title="Release gate">
            Thresholds a model must meet, checked and recorded before release.
          </OptionCard>
        </div>
      </EmptyState>
    </>
  );
}
