import { useEffect, useId, type ReactNode } from 'react';
import type { FirstStepId } from '../../../src/shared/contract/features/app.js';
import { ArrowRightIcon, CheckIcon, ChevronDownIcon, XIcon, type IconProps } from '../../components/icons.js';
import { useConnection } from '../../stores/connection.js';
import { useDatasetImport } from '../datasets/dataset-import-store.js';
import { useEngine } from '../../stores/engine.js';
import { useCan } from '../../stores/session.js';
import { allDone, checklistVisible, doneCount, nextStep, useFirstSteps, type FirstStep } from './first-steps-store.js';
import { useToasts } from '../../stores/toasts.js';
import { pageHref, pages, type PageId } from './pages.js';
import { parseHash, parseHashPath, useHashPath } from './useHashRoute.js';
import '../../styles/first-steps.css';

/** What each step asks of the person, and the page where they do it. */
const STEPS: Record<FirstStepId, { title: string; text: string; page: PageId }> = {
  import: { title: 'Import data', text: 'Bring in example tasks or domain documents.', page: 'datasets' },
  base: { title: 'Pick a base model', text: 'Register an open model folder to fine-tune.', page: 'models' },
  train: { title: 'Train', text: 'Fine-tune the base on a dataset version.', page: 'train' },
  compare: { title: 'Compare in the Playground', text: 'Chat with the base and tuned model side by side.', page: 'playground' },
  evaluate: { title: 'Evaluate', text: 'Score the tuned model on examples it never saw.', page: 'evaluate' },
  export: { title: 'Export', text: 'Package it as verified GGUF or merged weights.', page: 'export' },
};

const REOPEN_SELECTOR = '[data-testid="first-steps-show"]';

/**
 * The getting-started checklist: a card above the page on the main views of the workflow pages (not inside a
 * dataset or a run, not on Lineage or Audit), tracking real progress through the main job (app.firstSteps). Open on
 * Datasets, a one-line strip elsewhere, until the person opens or closes it themselves; "Hide the checklist" puts it
 * away (the sidebar's "Getting started" brings it back). Once everything is done it congratulates once, then stays away.
 */
export function FirstSteps({ page }: { page: PageId }) {
  const open = useConnection((s) => s.status === 'open');
  // Only once the engine said its database is healthy: a damaged one answers all-false, which is no news to give.
  const dbWritable = useEngine((s) => s.info?.dbWritable === true);
  const subPath = useHashPath().length > 0;
  // The checklist walks the whole job (import, train, export); in team mode it is for those whose role does it.
  const doesTheJob = useCan('train');
  const { steps, hidden, celebrating, collapsed: chosen, load, hide, setCollapsed } = useFirstSteps();
  const headingId = useId();
  const listId = useId();

  // Navigation is a cue too: whatever happened while the page was elsewhere (a conversation, say) shows on arrival.
  useEffect(() => {
    if (open) void load();
  }, [open, page, load]);

  const here = pages[page].group === 'workflow' && !subPath;
  if (!open || !dbWritable || !here || !doesTheJob || !checklistVisible({ steps, hidden, celebrating }) || !steps) return null;

  const finished = allDone(steps);
  const count = doneCount(steps);
  const next = nextStep(steps);
  // A finished list opens only when asked; an unfinished one is open on Datasets, where a first visit lands.
  const collapsed = chosen ?? (finished || page !== 'datasets');

  const onHide = () => {
    hide();
    useToasts.getState().push({
      tone: 'info',
      title: finished ? 'Checklist put away' : 'Checklist hidden',
      message: finished ? 'Well done.' : 'Bring it back any time with “Getting started” at the foot of the sidebar.',
      hint: null,
    });
    // Its buttons are gone: keep the keyboard where the way back is.
    requestAnimationFrame(() => document.querySelector<HTMLElement>(REOPEN_SELECTOR)?.focus());
  };

  return (
    <div className="first-steps-slot">
      <section
        className={`first-steps${collapsed ? ' is-collapsed' : ''}${finished ? ' is-finished' : ''}`}
        aria-labelledby={headingId}
        data-testid="first-steps"
        data-collapsed={collapsed ? 'true' : 'false'}
      >
        <header className="first-steps-head">
          <ProgressRing done={count} total={steps.length} finished={finished} />
          <div className="first-steps-heading">
            <h2 className="first-steps-title" id={headingId}>
              {finished ? 'You’re all set' : 'Getting started'}
            </h2>
            <p className="first-steps-sub" data-testid="first-steps-sub">
              {finished ? (
                'All six steps done: data imported, a model tuned, compared, evaluated and exported. Every step is in the audit log.'
              ) : collapsed && next ? (
                <>
                  <span className="first-steps-next-label">Next:</span>{' '}
                  {STEPS[next].page === page && next !== 'import' ? (
                    // Already on its page: the page below is where it happens, a link would go nowhere.
                    <strong className="first-steps-next-here" data-testid="first-steps-next">
                      {STEPS[next].title}
                    </strong>
                  ) : (
                    <StepLink step={next} className="first-steps-next-link" testId="first-steps-next">
                      {STEPS[next].title}
                    </StepLink>
                  )}
                  <span className="first-steps-next-text"> · {STEPS[next].text}</span>
                </>
              ) : (
                'Six steps from your own data to a tuned model you can ship. Each one ticks itself off as you go.'
              )}
            </p>
          </div>
          <div className="first-steps-actions">
            <span className="first-steps-count" data-testid="first-steps-progress">
              {count} of {steps.length} done
            </span>
            <button
              type="button"
              className="icon-btn first-steps-toggle"
              onClick={() => setCollapsed(!collapsed)}
              aria-expanded={!collapsed}
              aria-controls={listId}
              aria-label={collapsed ? 'Show the steps' : 'Collapse the checklist'}
              title={collapsed ? 'Show the steps' : 'Collapse the checklist'}
              data-testid="first-steps-collapse"
            >
              <ChevronDownIcon size={16} />
            </button>
            <button
              type="button"
              className="icon-btn"
              onClick={onHide}
              aria-label="Hide the checklist"
              title="Hide the checklist"
              data-testid="first-steps-hide"
            >
              <XIcon size={15} />
            </button>
          </div>
        </header>

        <ol className="first-steps-list" id={listId} hidden={collapsed} data-testid="first-steps-list">
          {steps.map((step, i) => (
            <StepTile key={step.id} step={step} index={i} isNext={step.id === next} />
          ))}
        </ol>
      </section>
    </div>
  );
}

function StepTile({ step, index, isNext }: { step: FirstStep; index: number; isNext: boolean }) {
  const { title, text, page } = STEPS[step.id];
  return (
    <li className={`first-step${step.done ? ' is-done' : ''}${isNext ? ' is-next' : ''}`} data-testid={`first-step-${step.id}`} data-done={step.done ? 'true' : 'false'}>
      <StepLink step={step.id} className="first-step-link" testId={`first-step-link-${step.id}`}>
        <span className="first-step-marker" aria-hidden="true">
          {step.done ? <CheckIcon size={13} strokeWidth={2.5} /> : index + 1}
        </span>
        <span className="first-step-body">
          <span className="first-step-head">
            <span className="first-step-title">
              {title}
              {isNext && <span className="first-step-badge">Next</span>}
            </span>
            <ArrowRightIcon size={14} className="first-step-arrow" />
          </span>
          <span className="first-step-text">{text}</span>
        </span>
        <span className="visually-hidden">
          {step.done ? ' Done.' : ' Not done yet.'} Opens {pages[page].label}.
        </span>
      </StepLink>
    </li>
  );
}

/** A link to the page of a step; Import data also opens the import dialog there, since that is the step. */
function StepLink({ step, className, testId, children }: { step: FirstStepId; className: string; testId: string; children: ReactNode }) {
  const openWizard = useDatasetImport((s) => s.openWizard);
  return (
    <a className={className} href={pageHref(STEPS[step].page)} data-testid={testId} onClick={step === 'import' ? () => openWizard() : undefined}>
      {children}
    </a>
  );
}

function ProgressRing({ done, total, finished }: { done: number; total: number; finished: boolean }) {
  const r = 15;
  const c = 2 * Math.PI * r;
  return (
    <span className="first-steps-ring" aria-hidden="true">
      <svg width="36" height="36" viewBox="0 0 36 36">
        <circle className="first-steps-ring-track" cx="18" cy="18" r={r} />
        <circle
          className={`first-steps-ring-fill${done === 0 ? ' is-empty' : ''}`}
          cx="18"
          cy="18"
          r={r}
          strokeDasharray={c}
          strokeDashoffset={c * (1 - done / Math.max(1, total))}
          transform="rotate(-90 18 18)"
        />
      </svg>
      <span className="first-steps-ring-icon">{finished ? <CheckIcon size={15} strokeWidth={2.5} /> : <ListChecksIcon size={15} />}</span>
    </span>
  );
}

/**
 * The sidebar's way back to a hidden checklist, shown only while it is hidden and steps remain: "Getting started"
 * with how far along the library is (an icon with a tooltip on the rail).
 */
export function FirstStepsReopen({ collapsed }: { collapsed: boolean }) {
  const { steps, hidden, show } = useFirstSteps();
  if (!hidden || !steps || allDone(steps)) return null;
  const label = 'Getting started';
  const count = `${doneCount(steps)}/${steps.length}`;
  return (
    <button
      type="button"
      className="sidebar-toggle first-steps-reopen"
      onClick={() => {
        show();
        // It shows above the workflow pages' main views; from anywhere else, go where it is open by default.
        const current = parseHash(window.location.hash);
        if (!current || pages[current].group !== 'workflow' || parseHashPath(window.location.hash).length > 0) {
          window.location.hash = pageHref('datasets');
        }
        requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid="first-steps-collapse"]')?.focus());
      }}
      data-testid="first-steps-show"
      aria-label={collapsed ? `${label}: show the checklist (${count} done)` : undefined}
      title={collapsed ? `${label} · ${count} done` : 'Show the getting-started checklist'}
    >
      <ListChecksIcon size={15} />
      <span className="sidebar-toggle-label">{label}</span>
      <span className="first-steps-reopen-count">{count}</span>
    </button>
  );
}

/** A list with ticks: the checklist's own mark. */
function ListChecksIcon({ size = 16, ...rest }: IconProps) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.75} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...rest}>
      <path d="m3.5 6.5 1.75 1.75L8.5 5M3.5 13.5l1.75 1.75L8.5 12M12 7h8.5M12 14h8.5M5 19.5h.01M12 19.5h8.5" />
    </svg>
  );
}
