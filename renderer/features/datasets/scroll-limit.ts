/**
 * Browsers cap how tall an element can be (Chromium about 33.5 million px, Firefox about 17.9 million). A
 * virtual list taller than that silently loses its last rows, so a very long list is shown in windows that fit.
 */
let measured: number | null = null;

const FALLBACK_PX = 15_000_000;

export function maxScrollHeight(doc: Document | undefined = typeof document === 'undefined' ? undefined : document): number {
  if (measured !== null) return measured;
  if (!doc?.body) return FALLBACK_PX;
  const probe = doc.createElement('div');
  // CSSOM, not a style attribute: the page's CSP allows it.
  probe.style.position = 'absolute';
  probe.style.visibility = 'hidden';
  probe.style.width = '1px';
  probe.style.height = '1000000000px';
  doc.body.appendChild(probe);
  const height = probe.getBoundingClientRect().height;
  probe.remove();
  // Keep a margin below the cap; an implausible answer falls back to a height every browser handles.
  measured = height > 1_000_000 && height < 1_000_000_000 ? Math.floor(height * 0.97) : FALLBACK_PX;
  return measured;
}

/** How many rows of `rowHeight` fit in one window of the virtual list. */
export function rowsPerWindow(rowHeight: number, maxPx: number = maxScrollHeight()): number {
  return Math.max(1000, Math.floor(maxPx / rowHeight));
}
