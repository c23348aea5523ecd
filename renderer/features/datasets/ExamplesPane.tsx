import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DatasetVersion } from '../../../src/shared/contract/index.js';
import { ExamplePanel } from './ExamplePanel.js';
import { ExampleSearchBar, ExampleSearchResults, useExampleSearch } from './ExampleSearch.js';
import { ExamplesTable, ROW_HEIGHT } from './ExamplesTable.js';
import { useExampleCache } from './use-example-cache.js';

/**
 * The examples of one version: a search field, the virtual table (or the matches of a search), and the open example
 * beside it. Keys work wherever focus is in here: ↑/↓ (and Page Up/Down, Home/End) move the selection (through the
 * matches while searching), Enter opens it, Escape closes the panel.
 */
export function ExamplesPane({ version, kind }: { version: DatasetVersion; kind: 'task' | 'documents' }) {
  const total = version.exampleCount;
  const cache = useExampleCache(version.id, total);
  const [selected, setSelected] = useState<number | null>(null);
  const [panelOpen, setPanelOpen] = useState(false);
  const viewport = useRef<HTMLDivElement>(null);
  const firstVisible = useRef(0);
  const [query, setQuery] = useState('');
  const search = useExampleSearch(version.id, query);
  /** While searching, the positions the keys move through: the matches, in order. */
  const order = query.trim() && search.results ? search.results.map((e) => e.position) : null;

  // A different version starts at the top with nothing open.
  useEffect(() => {
    setSelected(null);
    setPanelOpen(false);
  }, [version.id]);

  // Keyboard-first: when nothing else holds focus (a fresh page, a closed dialog), the table takes it, so ↓ just works.
  useEffect(() => {
    const t = window.setTimeout(() => {
      if (document.activeElement === document.body || document.activeElement === null) viewport.current?.focus({ preventScroll: true });
    }, 0);
    return () => window.clearTimeout(t);
  }, []);

  const orderKey = order?.join(',') ?? '';
  const select = useCallback(
    (i: number) => setSelected(order ? (order.length ? order[Math.max(0, Math.min(order.length - 1, i))]! : null) : Math.max(0, Math.min(total - 1, i))),
    [total, orderKey], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const step = useCallback(
    (delta: number) =>
      setSelected((cur) => {
        if (!order) return Math.max(0, Math.min(total - 1, (cur ?? -1) + delta));
        if (!order.length) return null;
        const at = cur === null ? -1 : order.indexOf(cur);
        return order[Math.max(0, Math.min(order.length - 1, at + delta))]!;
      }),
    [total, orderKey], // eslint-disable-line react-hooks/exhaustive-deps
  );

  // The panel shows what the cache holds; while searching no table asks for the opened example's block.
  useEffect(() => {
    if (order && selected !== null) cache?.want(selected, selected + 1);
  }, [cache, orderKey, selected]); // eslint-disable-line react-hooks/exhaustive-deps

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea')) return;
    const page = Math.max(1, Math.floor((viewport.current?.clientHeight ?? 320) / ROW_HEIGHT) - 2);
    const moves: Record<string, () => void> = {
      ArrowDown: () => (selected === null ? select(order ? 0 : firstVisible.current) : step(1)),
      ArrowUp: () => (selected === null ? select(order ? 0 : firstVisible.current) : step(-1)),
      PageDown: () => step(page),
      PageUp: () => step(-page),
      Home: () => select(0),
      End: () => select(order ? order.length - 1 : total - 1),
    };
    const move = moves[e.key];
    if (move && !e.altKey && !e.metaKey && !e.ctrlKey) {
      e.preventDefault();
      move();
      return;
    }
    if (e.key === 'Enter' && selected !== null && !target.closest('button, a')) {
      e.preventDefault();
      setPanelOpen(true);
    } else if (e.key === 'Escape' && panelOpen) {
      e.preventDefault();
      setPanelOpen(false);
      viewport.current?.focus({ preventScroll: true });
    }
  };

  if (total === 0) return <div className="table-empty">This version holds no examples.</div>;

  return (
    <div className={`examples-pane${panelOpen && selected !== null ? ' has-panel' : ''}`} onKeyDown={onKeyDown} data-testid="examples-pane">
      <div className="examples-main">
        <ExampleSearchBar value={query} onChange={setQuery} state={search} total={total} />
        {query.trim() ? (
          <ExampleSearchResults
            state={search}
            kind={kind}
            selected={selected}
            onOpen={(position) => {
              setSelected(position);
              setPanelOpen(true);
            }}
            viewportRef={viewport}
          />
        ) : (
          <ExamplesTable
            cache={cache}
            total={total}
            kind={kind}
            selected={selected}
            onSelect={select}
            onOpen={() => setPanelOpen(true)}
            viewportRef={viewport}
            firstVisibleRef={firstVisible}
          />
        )}
      </div>
      {panelOpen && selected !== null && (
        <ExamplePanel
          cache={cache}
          index={selected}
          total={total}
          onStep={step}
          onClose={() => {
            setPanelOpen(false);
            viewport.current?.focus({ preventScroll: true });
          }}
        />
      )}
    </div>
  );
}
