import type { KeyboardEvent } from 'react';
import { Button } from '../../components/Button.js';
import { ArrowLeftIcon, CheckIcon, ImportIcon } from '../../components/icons.js';
import { Modal } from '../../components/Modal.js';
import { targetName, useDatasetImport, type WizardStep } from './dataset-import-store.js';
import { useDatasets } from './datasets-store.js';
import { OptionsStep } from './OptionsStep.js';
import { RunStep } from './RunStep.js';
import { SourceStep } from './SourceStep.js';

const steps: Array<{ id: WizardStep; label: string }> = [
  { id: 'source', label: 'Source' },
  { id: 'options', label: 'Options' },
  { id: 'run', label: 'Import' },
];

interface Action {
  label: string;
  run(): void;
  disabled?: boolean;
  busy?: boolean;
  testId: string;
  icon?: typeof ArrowLeftIcon;
}

/** Import task data in three steps: where it is and what it looks like, what to do with bad rows, then the run. */
export function ImportWizard() {
  const s = useDatasetImport();
  // Re-render when the dataset list changes: the chosen existing dataset's name comes from it.
  useDatasets((d) => d.datasets);
  const stepIndex = steps.findIndex((x) => x.id === s.step);
  const primary = primaryAction(s);
  const enter = enterAction(s, primary);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.metaKey || e.ctrlKey || e.nativeEvent.isComposing) return;
    // Buttons, links and selects keep their own Enter.
    if ((e.target as HTMLElement).closest('button, a, select, textarea')) return;
    e.preventDefault();
    if (enter && !enter.disabled && !enter.busy) enter.run();
  };

  return (
    <Modal
      open={s.open}
      onClose={s.close}
      title="Import data"
      subtitle="Task examples (JSON Lines, JSON, CSV, TSV, Parquet) or documents (PDF, DOCX, HTML, Markdown, text, zip) — read in place, never uploaded."
      testId="import-wizard"
      focusKey={s.step}
      onKeyDown={onKeyDown}
      header={
        <ol className="stepper" aria-label="Steps">
          {steps.map((step, i) => (
            <li
              key={step.id}
              className={`stepper-item${i === stepIndex ? ' is-current' : ''}${i < stepIndex ? ' is-done' : ''}`}
              aria-current={i === stepIndex ? 'step' : undefined}
            >
              <span className="stepper-dot">{i < stepIndex ? <CheckIcon size={11} strokeWidth={2.5} /> : i + 1}</span>
              {step.label}
            </li>
          ))}
        </ol>
      }
      footer={<Footer primary={primary} enter={enter} />}
    >
      {s.step === 'source' && <SourceStep />}
      {s.step === 'options' && <OptionsStep />}
      {s.step === 'run' && <RunStep />}
    </Modal>
  );
}

function Footer({ primary, enter }: { primary: Action | null; enter: Action | null }) {
  const s = useDatasetImport();
  const status = s.job?.status;
  const running = status === 'running' || status === 'cancelling';
  return (
    <>
      <span className="modal-footer-hint">
        {enter && (
          <>
            <kbd>Enter</kbd> {enter.label.toLowerCase()}
            <span className="hint-sep" aria-hidden="true" />
          </>
        )}
        <kbd>Esc</kbd> {running ? 'hide' : 'close'}
      </span>
      <div className="modal-footer-actions">
        {s.step === 'options' && (
          <Button variant="ghost" icon={ArrowLeftIcon} onClick={() => s.goTo('source')} data-testid="import-back">
            Back
          </Button>
        )}
        {s.step === 'run' && running && (
          <>
            <Button variant="ghost" onClick={s.close} data-testid="import-hide">
              Hide
            </Button>
            <Button busy={status === 'cancelling'} onClick={() => void s.cancelImport()} data-testid="import-cancel">
              {status === 'cancelling' ? 'Cancelling…' : 'Cancel import'}
            </Button>
          </>
        )}
        {s.step === 'run' && (status === 'failed' || status === 'cancelled') && (
          <Button variant="ghost" onClick={s.close}>
            Close
          </Button>
        )}
        {s.step === 'run' && status === 'done' && (
          <Button onClick={() => useDatasetImport.getState().openWizard()} data-testid="import-another">
            Import another file
          </Button>
        )}
        {s.step === 'source' && (
          <Button variant="ghost" onClick={s.close}>
            Cancel
          </Button>
        )}
        {primary && (
          <Button
            variant="primary"
            icon={primary.icon}
            disabled={primary.disabled}
            busy={primary.busy}
            onClick={primary.run}
            data-testid={primary.testId}
          >
            {primary.label}
          </Button>
        )}
      </div>
    </>
  );
}

/** What Enter does: on the first step, detect until there is a detection for this path; else the primary button. */
function enterAction(s: ReturnType<typeof useDatasetImport.getState>, primary: Action | null): Action | null {
  if (s.step === 'source' && (s.detectStatus !== 'ready' || (s.detection === null && s.documents === null))) {
    return { label: 'Detect', run: () => void s.detect(), disabled: !s.path.trim(), busy: s.detectStatus === 'running', testId: '' };
  }
  return primary;
}

/** The footer's primary button on each step. */
function primaryAction(s: ReturnType<typeof useDatasetImport.getState>): Action | null {
  switch (s.step) {
    case 'source':
      return {
        label: 'Continue',
        run: () => s.goTo('options'),
        disabled: s.detectStatus !== 'ready' || (s.detection === null && s.documents === null) || !targetName(s),
        testId: 'import-continue',
      };
    case 'options':
      return {
        label: 'Import',
        icon: ImportIcon,
        run: () => void s.startImport(),
        disabled: (!s.detection && !s.documents) || !targetName(s),
        testId: 'import-start',
      };
    case 'run': {
      const job = s.job;
      if (!job || job.status === 'running' || job.status === 'cancelling') return null;
      if (job.status === 'done' && job.result) {
        const datasetId = job.result.datasetId;
        return {
          label: 'Open dataset',
          run: () => {
            s.close();
            window.location.hash = `#/datasets/${encodeURIComponent(datasetId)}`;
          },
          testId: 'import-open-dataset',
        };
      }
      return { label: 'Back to options', icon: ArrowLeftIcon, run: () => s.goTo('options'), testId: 'import-back-to-options' };
    }
  }
}
