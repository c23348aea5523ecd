import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DatasetVersion } from '../../../src/shared/contract/index.js';
import { ExamplePanel } from './ExamplePanel.js';
import { ExamplesTable, ROW_HEIGHT } from './ExamplesTable.js';
import { useExampleCache } from './use-example-cache.js';

/**
 * The examples of one version: the virtual table, and the open example beside it. Keys work wherever focus is in
 * here: ↑/↓ (and Page Up/Down, Home/End) move the selection, Enter opens it, Escape closes the panel.
 */
export function ExamplesPane({ version, kind }: { version: DatasetVersion; kind: 'task' | 'documents' }) {
  const total = version.exampleCount;
  const cache = useExampleCache(version.id, total);
  const [selected, setSelected] = useState<number | null>(null);
  const [panelOpen, setPanelOpen] = useState(false);
  const viewport = useRef<HTMLDivElement>(null);
  const firstVisible = useRef(0);

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

  const select = useCallback((i: number) => setSelected(Math.max(0, Math.min(total - 1, i))), [total]);
  const step = useCallback((delta: number) => setSelected((cur) => Math.max(0, Math.min(total - 1, (cur ?? -1) + delta))), [total]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea')) return;
    const page = Math.max(1, Math.floor((viewport.current?.clientHeight ?? 320) / ROW_HEIGHT) - 2);
    const moves: Record<string, () => void> = {
      ArrowDown: () => (selected === null ? select(firstVisible.current) : step(1)),
      ArrowUp: () => (selected === null ? select(firstVisible.current) : step(-1)),
      PageDown: () => step(page),
      PageUp: () => step(-page),
      Home: () => select(0),
      End: () => select(total - 1),
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
