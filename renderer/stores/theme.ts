import { create } from 'zustand';

export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'lathe.theme';

interface ThemeStore {
  theme: Theme;
  /** True once the person picked a theme; until then Lathe follows the system setting. */
  explicit: boolean;
  setTheme(theme: Theme): void;
  toggle(): void;
}

function readStored(): Theme | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null; // storage can be disabled; the theme then simply is not remembered
  }
}

function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const stored = readStored();

export const useTheme = create<ThemeStore>((set, get) => ({
  theme: stored ?? systemTheme(),
  explicit: stored !== null,
  setTheme(theme) {
    try {
      localStorage.setItem(STORAGE_KEY, theme);
    } catch {
      // see readStored
    }
    set({ theme, explicit: true });
  },
  toggle() {
    get().setTheme(get().theme === 'dark' ? 'light' : 'dark');
  },
}));

/** Mirrors the theme onto <html data-theme> and follows the system while no explicit choice was made. */
export function bindTheme(root: HTMLElement = document.documentElement): () => void {
  const apply = (theme: Theme) => {
    root.dataset.theme = theme;
    root.style.colorScheme = theme;
  };
  apply(useTheme.getState().theme);
  const offStore = useTheme.subscribe((s) => apply(s.theme));
  if (typeof matchMedia !== 'function') return offStore;
  const media = matchMedia('(prefers-color-scheme: dark)');
  const onSystem = () => {
    if (!useTheme.getState().explicit) useTheme.setState({ theme: media.matches ? 'dark' : 'light' });
  };
  media.addEventListener('change', onSystem);
  return () => {
    offStore();
    media.removeEventListener('change', onSystem);
  };
}
