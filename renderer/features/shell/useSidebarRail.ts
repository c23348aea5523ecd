import { useCallback, useState, useSyncExternalStore } from 'react';

/** Below this window width the sidebar starts as an icon rail, so a 1024 px laptop keeps its room for the page. */
export const RAIL_BREAKPOINT = 1200;
const QUERY = `(max-width: ${RAIL_BREAKPOINT - 1}px)`;
const KEY = 'lathe.sidebar';

type Mode = 'narrow' | 'wide';
type Choice = 'collapsed' | 'expanded';
type Stored = Partial<Record<Mode, Choice>>;

function readStored(): Stored {
  try {
    const raw = JSON.parse(window.localStorage.getItem(KEY) ?? '{}') as unknown;
    if (!raw || typeof raw !== 'object') return {};
    const out: Stored = {};
    for (const mode of ['narrow', 'wide'] as const) {
      const v = (raw as Record<string, unknown>)[mode];
      if (v === 'collapsed' || v === 'expanded') out[mode] = v;
    }
    return out;
  } catch {
    return {}; // storage blocked or garbled: fall back to the width's default
  }
}

function subscribeNarrow(onChange: () => void): () => void {
  const mq = window.matchMedia(QUERY);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}

const isNarrow = () => window.matchMedia(QUERY).matches;

/**
 * Whether the sidebar is collapsed to its icon rail: collapsed in narrow windows and expanded in wide ones, unless
 * the user chose otherwise with the toggle. The choice is remembered per width class in localStorage, so expanding
 * the rail on a laptop does not pin it open on a desktop monitor and vice versa.
 */
export function useSidebarRail(): { collapsed: boolean; toggle: () => void } {
  const narrow = useSyncExternalStore(subscribeNarrow, isNarrow, () => false);
  const [stored, setStored] = useState<Stored>(readStored);
  const mode: Mode = narrow ? 'narrow' : 'wide';
  const collapsed = (stored[mode] ?? (narrow ? 'collapsed' : 'expanded')) === 'collapsed';

  const toggle = useCallback(() => {
    setStored((cur) => {
      const next: Stored = { ...cur, [mode]: collapsed ? 'expanded' : 'collapsed' };
      try {
        window.localStorage.setItem(KEY, JSON.stringify(next));
      } catch {
        // not remembered, still toggled
      }
      return next;
    });
  }, [mode, collapsed]);

  return { collapsed, toggle };
}
