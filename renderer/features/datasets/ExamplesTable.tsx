import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useState, type CSSProperties, type RefObject } from 'react';
import { Button } from '../../components/Button.js';
import type { Example, ExampleCache } from './example-cache.js';
import { summarizeExample, type ExampleSummary } from './example-summary.js';
import { rowsPerWindow } from './scroll-limit.js';

export const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 32;
/** Rows fetched beyond each edge of the screen, so a steady scroll rarely meets an empty row. */
const PREFETCH_ROWS = 120;

interface ExamplesTableProps {
  cache: ExampleCache | null;
  total: number;
  kind: 'task' | 'documents';
  selected: number | null;
  onSelect(index: number): void;
  onOpen(index: number): void;
  viewportRef: RefObject<HTMLDivElement | null>;
  /** Set to the first row on screen, so ↓ with nothing selected starts where the person is looking. */
  firstVisibleRef?: RefObject<number>;
}

const summaries = new WeakMap<Example, ExampleSummary>();
function summaryOf(example: Example): ExampleSummary {
  let s = summaries.get(example);
  if (!s) summaries.set(example, (s = summarizeExample(example.content)));
  return s;
}

/**
 * Every example of a version in one scrolling table, however many there are: only the rows on screen exist in
 * the DOM, and only the blocks under them are fetched. Past the browser's limit on element height the rows are
 * shown in windows of about a million.
 */
export function ExamplesTable({ cache, total, kind, selected, onSelect, onOpen, viewportRef, firstVisibleRef }: ExamplesTableProps) {
  const perWindow = useMemo(() => rowsPerWindow(ROW_HEIGHT), []);
  const windows = Math.max(1, Math.ceil(total / perWindow));
  const [win, setWin] = useState(0);
  const base = win * perWindow;
  const count = Math.max(0, Math.min(perWindow, total - base));

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => viewportRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  if (firstVisibleRef) firstVisibleRef.current = base + (virtualizer.range?.startIndex ?? first);

  useEffect(() => {
    cache?.want(base + Math.max(0, first - PREFETCH_ROWS), base + last + PREFETCH_ROWS);
  }, [cache, base, first, last]);

  // Keep the selected row on screen, switching window when it moved past the edge of this one.
  useEffect(() => {
    if (selected === null) return;
    const w = Math.floor(selected / perWindow);
    if (w !== win) {
      setWin(w);
      return;
    }
    virtualizer.scrollToIndex(selected - base, { align: 'auto' });
  }, [selected, win, base, perWindow, virtualizer]);

  const cols = kind === 'documents' ? 'is-text' : 'is-chat';
  // The # column fits the longest position: "300" needs less room than "1,000,000".
  const posWidth = `${Math.max(3, total.toLocaleString('en').length) * 7 + 30}px`;
  const failed = items.length > 0 ? cache?.errorAt(base + first) : undefined;

  return (
    <div className="examples-table">
      {windows > 1 && (
        <div className="window-bar">
          <span>This version is longer than one scroll can hold; it is shown in windows.</span>
          <label className="select-input is-sm">
            <select value={win} onChange={(e) => setWin(Number(e.target.value))} aria-label="Rows shown" data-testid="examples-window">
              {Array.from({ length: windows }, (_, w) => (
                <option key={w} value={w}>
                  Rows {(w * perWindow + 1).toLocaleString('en')}–{Math.min(total, (w + 1) * perWindow).toLocaleString('en')}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <div
        className={`examples-viewport ${cols}`}
        ref={viewportRef}
        tabIndex={0}
        role="grid"
        aria-rowcount={total}
        aria-label="Examples"
        aria-activedescendant={selected !== null ? `example-row-${selected}` : undefined}
        style={{ '--pos-width': posWidth } as CSSProperties}
        data-testid="examples-viewport"
      >
        <div className="ex-header" role="row">
          <span className="ex-cell ex-pos" role="columnheader">
            #
          </span>
          {kind === 'documents' ? (
            <span className="ex-cell ex-text" role="columnheader">
              Text
            </span>
          ) : (
            <>
              <span className="ex-cell ex-prompt" role="columnheader">
                Prompt
              </span>
              <span className="ex-cell ex-response" role="columnheader">
                Response
              </span>
            </>
          )}
          <span className="ex-cell ex-source" role="columnheader">
            Source
          </span>
        </div>
        <div className="ex-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const index = base + item.index;
            const example = cache?.get(index);
            const isSelected = index === selected;
            return (
              <div
                key={item.key}
                id={`example-row-${index}`}
                role="row"
                aria-rowindex={index + 1}
                aria-selected={isSelected}
                className={`ex-row${isSelected ? ' is-selected' : ''}${example ? '' : ' is-loading'}`}
                style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                onClick={() => {
                  onSelect(index);
                  onOpen(index);
                  viewportRef.current?.focus({ preventScroll: true });
                }}
                data-testid="example-row"
                data-position={index + 1}
              >
                <span className="ex-cell ex-pos" role="gridcell">
                  {(index + 1).toLocaleString('en')}
                </span>
                {example ? <RowCells example={example} kind={kind} /> : <LoadingCells kind={kind} index={index} />}
              </div>
            );
          })}
        </div>
      </div>
      {failed && (
        <div className="examples-error" role="alert">
          <span>Could not load these rows: {failed.message}</span>
          <Button size="sm" onClick={() => cache?.retry()}>
            Try again
          </Button>
        </div>
      )}
    </div>
  );
}

/** "manual.pdf:p.2-3:chars 0-1830" → file "manual.pdf", where "p.2-3 · chars 0-1830"; "qa.jsonl:line 4" → "qa.jsonl", "line 4". */
export function splitSource(source: string): { file: string; where: string } {
  const m = /^(.*?):((?:p\.\d|chars |line |row |item |words ).*)$/.exec(source);
  if (m) return { file: m[1]!, where: m[2]!.replace(/^(p\.[\d-]+):/, '$1 · ') };
  const colon = source.lastIndexOf(':');
  return colon > 0 ? { file: source.slice(0, colon), where: source.slice(colon + 1) } : { file: source, where: '' };
}

export function RowCells({ example, kind }: { example: Example; kind: 'task' | 'documents' }) {
  const s = summaryOf(example);
  const { file, where } = splitSource(example.source);
  return (
    <>
      {kind === 'documents' || example.content.kind === 'text' ? (
        <span className={`ex-cell ${kind === 'documents' ? 'ex-text' : 'ex-prompt ex-span'}`} role="gridcell">
          {s.prompt}
        </span>
      ) : (
        <>
          <span className="ex-cell ex-prompt" role="gridcell">
            {s.prompt}
          </span>
          <span className="ex-cell ex-response" role="gridcell">
            <span className="ex-response-text">{s.response}</span>
            {s.turns > 2 && <span className="turns-chip">{s.turns} turns</span>}
          </span>
        </>
      )}
      <span className="ex-cell ex-source" role="gridcell" title={example.source}>
        {example.split && (
          <span className={`split-badge is-${example.split}`} data-testid="split-badge" data-split={example.split}>
            {example.split === 'validation' ? 'val' : example.split}
          </span>
        )}
        {where && <span className="src-where">{where}</span>}
        <span className="src-file">{file}</span>
      </span>
    </>
  );
}

// Bars of a few different lengths, so a loading screen does not look like a grid of identical stripes.
const widths = ['62%', '48%', '71%', '55%', '66%'];

function LoadingCells({ kind, index }: { kind: 'task' | 'documents'; index: number }) {
  const w = widths[index % widths.length];
  const w2 = widths[(index + 2) % widths.length];
  return (
    <>
      <span className={`ex-cell ${kind === 'documents' ? 'ex-text' : 'ex-prompt'}`}>
        <span className="skeleton" style={{ width: w }} />
      </span>
      {kind !== 'documents' && (
        <span className="ex-cell ex-response">
          <span className="skeleton" style={{ width: w2 }} />
        </span>
      )}
      <span className="ex-cell ex-source">
        <span className="skeleton" style={{ width: '70%' }} />
      </span>
    </>
  );
}
