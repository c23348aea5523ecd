import { ChevronDownIcon, ChevronUpIcon, XIcon } from '../../components/icons.js';
import type { ExampleCache } from './example-cache.js';
import { ExampleView } from './ExampleView.js';

interface ExamplePanelProps {
  cache: ExampleCache | null;
  index: number;
  total: number;
  onStep(delta: number): void;
  onClose(): void;
}

/** The whole example beside the table; ↑/↓ in the table walk through examples while it stays open. */
export function ExamplePanel({ cache, index, total, onStep, onClose }: ExamplePanelProps) {
  const example = cache?.get(index);
  return (
    <aside className="example-panel" aria-label={`Example ${index + 1}`} data-testid="example-panel">
      <header className="example-panel-header">
        <div>
          <div className="example-panel-title">
            Example <span data-testid="example-panel-position">{(index + 1).toLocaleString('en')}</span>
          </div>
          <div className="example-panel-subtitle">of {total.toLocaleString('en')}</div>
        </div>
        <div className="example-panel-actions">
          <button
            type="button"
            className="icon-btn"
            aria-label="Previous example"
            title="Previous (↑)"
            disabled={index <= 0}
            onClick={() => onStep(-1)}
          >
            <ChevronUpIcon size={15} />
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Next example"
            title="Next (↓)"
            disabled={index >= total - 1}
            onClick={() => onStep(1)}
          >
            <ChevronDownIcon size={15} />
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Close example"
            title="Close (Esc)"
            onClick={onClose}
            data-testid="example-panel-close"
          >
            <XIcon size={15} />
          </button>
        </div>
      </header>
      {example ? (
        <>
          <dl className="example-facts">
            <div>
              <dt>Source</dt>
              <dd data-testid="example-panel-source">{example.source}</dd>
            </div>
            <div>
              <dt>Content hash</dt>
              <dd>
                <code title={example.contentHash}>{example.contentHash.slice(0, 16)}</code>
              </dd>
            </div>
          </dl>
          <div className="example-panel-body" data-testid="example-panel-body">
            <ExampleView content={example.content} />
          </div>
        </>
      ) : (
        <div className="example-panel-loading">
          <span className="spinner" aria-hidden="true" /> Loading…
        </div>
      )}
    </aside>
  );
}
