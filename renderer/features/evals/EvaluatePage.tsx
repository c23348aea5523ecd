import { useEffect } from 'react';
import { ButtonLink } from '../../components/Button.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { ActivityIcon, ClipboardCheckIcon, GaugeIcon, GitCompareIcon, ShieldCheckIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useConnection } from '../../stores/connection.js';
import { pageHref, pages } from '../shell/pages.js';
import { BlindAbPanel } from './BlindAbPanel.js';
import { QuantCostPanel } from './QuantCostPanel.js';
import { ComparePanel } from './ComparePanel.js';
import { ContaminationPanel } from './ContaminationPanel.js';
import { ForgettingPanel } from './ForgettingPanel.js';
import { SafetyPanel } from './SafetyPanel.js';
import { EvalList } from './EvalList.js';
import { useEvaluate } from './evals-store.js';
import { GatePanel } from './GatePanel.js';
import { PerplexityPanel } from './PerplexityPanel.js';
import { StartEvalForm } from './StartEvalForm.js';
import '../../styles/evaluate.css';

/** Evaluate models on held-out data, compare them with intervals, and decide their release. */
export function EvaluatePage() {
  const status = useConnection((s) => s.status);
  const { load, loaded, models, datasets, evals } = useEvaluate();
  useEffect(() => {
    if (status === 'open') void load();
  }, [status, load]);

  const ready = models.some((m) => m.kind === 'gguf') && datasets.length > 0;
  if (loaded && !ready && evals.length === 0) {
    return (
      <>
        <PageHeader {...pages.evaluate} />
        <EmptyState
          id="evaluate"
          icon={ClipboardCheckIcon}
          title="No evaluations yet"
          description="Evaluate a trained model on the test split of its dataset, next to the model it started from. A model has to pass its release gate before it can be released. You need a registered GGUF model and a dataset."
          footer={
            <ButtonLink href={pageHref('runs')} icon={ActivityIcon}>
              Go to Runs
            </ButtonLink>
          }
        >
          <div className="option-grid option-grid-3">
            <OptionCard icon={GaugeIcon} title="Automatic metrics">
              Exact match, token F1 and ROUGE-L on held-out examples, per item.
            </OptionCard>
            <OptionCard icon={GitCompareIcon} title="Compare with intervals">
              Base against tuned on the same items, with bootstrap confidence intervals.
            </OptionCard>
            <OptionCard icon={ShieldCheckIcon} title="Release gate">
              Thresholds a model must meet, checked and recorded before release.
            </OptionCard>
          </div>
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader {...pages.evaluate} />
      <div className="ev-layout">
        <div className="ev-main">
          <StartEvalForm />
          <EvalList />
          <ComparePanel />
          <QuantCostPanel />
          <BlindAbPanel />
          <ContaminationPanel />
          <ForgettingPanel />
          <SafetyPanel />
          <PerplexityPanel />
        </div>
        <aside className="ev-side">
          <GatePanel />
        </aside>
      </div>
    </>
  );
}
