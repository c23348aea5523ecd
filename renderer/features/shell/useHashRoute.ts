import { useEffect, useSyncExternalStore } from 'react';
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
