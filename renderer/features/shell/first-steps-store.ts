import { create } from 'zustand';
import type { FirstStepId, FirstSteps } from '../../../src/shared/contract/features/app.js';
import { getClient } from '../../stores/connection.js';

/**
 * The getting-started checklist (features/shell/FirstSteps.tsx): which steps of the main job this library has done
 * (app.firstSteps, asked again after writes and on navigation), and what the person chose to see of it, remembered in
 * localStorage: hidden ("Hide the checklist"), collapsed or expanded (null until they choose: each page has its
 * default), and whether the all-done congratulation was already shown once.
 */
export type FirstStep = FirstSteps['steps'][number];

const STORAGE_KEY = 'lathe.firstSteps';
/** Writes come in bursts (an import appends several audit entries): ask once the burst is over. */
const POKE_DELAY_MS = 250;

interface Stored {
  hidden: boolean;
  collapsed: boolean | null;
  celebrated: boolean;
}

interface FirstStepsStore extends Stored {
  steps: FirstStep[] | null;
  /** True while this session shows the congratulation (it stays until hidden or reload, then never again). */
  celebrating: boolean;
  load(): Promise<void>;
  /** Something was written somewhere: reload soon, once. */
  poke(): void;
  hide(): void;
  show(): void;
  setCollapsed(collapsed: boolean): void;
}

function readStored(): Stored {
  const fallback: Stored = { hidden: false, collapsed: null, celebrated: false };
  try {
    const raw = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? '{}') as unknown;
    if (!raw || typeof raw !== 'object') return fallback;
    const r = raw as Record<string, unknown>;
    return {
      hidden: r.hidden === true,
      collapsed: typeof r.collapsed === 'boolean' ? r.collapsed : null,
      celebrated: r.celebrated === true,
    };
  } catch {
    return fallback; // storage blocked or garbled: start over
  }
}

function writeStored(s: Stored): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ hidden: s.hidden, collapsed: s.collapsed, celebrated: s.celebrated }));
  } catch {
    // not remembered; the choice still holds until reload
  }
}

export function allDone(steps: FirstStep[] | null): boolean {
  return steps !== null && steps.length > 0 && steps.every((s) => s.done);
}

export function doneCount(steps: FirstStep[] | null): number {
  return steps?.filter((s) => s.done).length ?? 0;
}

export function nextStep(steps: FirstStep[] | null): FirstStepId | null {
  return steps?.find((s) => !s.done)?.id ?? null;
}

let generation = 0;
let pokeTimer: ReturnType<typeof setTimeout> | null = null;

export const useFirstSteps = create<FirstStepsStore>((set, get) => ({
  ...readStored(),
  steps: null,
  celebrating: false,

  async load() {
    const mine = ++generation;
    try {
      const { steps } = await getClient().send('app.firstSteps', {});
      if (mine !== generation) return;
      const s = get();
      // The first time everything is done, congratulate (this session), and remember not to again.
      if (allDone(steps) && !s.celebrated) {
        const next = { hidden: false, collapsed: s.collapsed, celebrated: true };
        writeStored(next);
        set({ steps, ...next, celebrating: true });
      } else {
        set({ steps });
      }
    } catch {
      // A nice-to-have: an engine that cannot answer simply shows no checklist (its errors show elsewhere).
      if (mine === generation) set({ steps: null });
    }
  },

  poke() {
    if (pokeTimer) clearTimeout(pokeTimer);
    pokeTimer = setTimeout(() => {
      pokeTimer = null;
      void get().load();
    }, POKE_DELAY_MS);
  },

  hide() {
    const s = get();
    writeStored({ hidden: true, collapsed: s.collapsed, celebrated: s.celebrated });
    set({ hidden: true, celebrating: false });
  },

  show() {
    const s = get();
    writeStored({ hidden: false, collapsed: false, celebrated: s.celebrated });
    // Brought back after everything was done: show the finished list again, as the congratulation does.
    set({ hidden: false, collapsed: false, celebrating: allDone(s.steps) });
  },

  setCollapsed(collapsed) {
    const s = get();
    writeStored({ hidden: s.hidden, collapsed, celebrated: s.celebrated });
    set({ collapsed });
  },
}));

/**
 * Whether the checklist shows: steps are known, the person has not hidden it, and there is something left to do
 * (or the one-time congratulation is on screen).
 */
export function checklistVisible(s: Pick<FirstStepsStore, 'steps' | 'hidden' | 'celebrating'>): boolean {
  if (!s.steps || s.hidden) return false;
  return !allDone(s.steps) || s.celebrating;
}
