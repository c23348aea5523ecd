import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { defaultPage, isPageId, pageHref, type PageId } from './pages.js';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function currentHash(): string {
  return window.location.hash;
}

/** The page named by the address (#/datasets). Unknown or empty addresses go to the default page. */
export function parseHash(hash: string): PageId | null {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return isPageId(id) ? id : null;
}

export function useHashRoute(): PageId {
  const hash = useSyncExternalStore(subscribe, currentHash, () => '');
  const page = parseHash(hash);
  useEffect(() => {
    // replace, not push: a bad address should not become a history entry
    if (!page) window.history.replaceState(null, '', pageHref(defaultPage));
  }, [page]);
  return page ?? defaultPage;
}

/** What follows the page in the address: "#/datasets/ab12/v/3" → ["ab12", "v", "3"]. */
export function parseHashPath(hash: string): string[] {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return path
    .split('/')
    .slice(1)
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The segments after the page id, for pages with their own sub-views (a dataset inside Datasets). */
export function useHashPath(): string[] {
  const hash = useSyncExternalStore(subscribe, currentHash, () => '');
  // A new array each render would re-run every effect that depends on it; key it by the string instead.
  return useMemo(() => parseHashPath(hash), [hash]);
}
