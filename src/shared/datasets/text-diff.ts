import type { ExampleContent } from '../contract/features/datasets.js';
import { exampleTurnLabels, exampleTurns } from './example-text.js';

/** One run of a word-level diff: text both sides share, or text only the old or only the new side has. */
export interface DiffPart {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** Above this many token pairs the middle is shown as removed + added instead of an exact LCS (memory and time). */
const MAX_CELLS = 4_000_000;

/** Words and the whitespace between them, so that joining the tokens gives the text back exactly. */
function tokens(text: string): string[] {
  return text.split(/(\s+)/).filter((t) => t.length > 0);
}

/**
 * A word-level diff of two texts (longest common subsequence over words and whitespace), as runs in reading
 * order. Joining the `same` and `removed` runs gives `before`; joining `same` and `added` gives `after`.
 */
export function diffWords(before: string, after: string): DiffPart[] {
  const a = tokens(before);
  const b = tokens(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const parts: DiffPart[] = [];
  const push = (kind: DiffPart['kind'], text: string) => {
    if (!text) return;
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  push('same', a.slice(0, start).join(''));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_CELLS) {
    push('removed', midA.join(''));
    push('added', midB.join(''));
  } else {
    for (const p of lcsDiff(midA, midB)) push(p.kind, p.text);
  }
  push('same', a.slice(endA).join(''));
  return blocks(parts);
}

/**
 * Joins each stretch of changes into one removed and one added run, swallowing the bare spaces between changed
 * words ("opens" → "trips open" reads as one replacement, not as three pieces around a shared space).
 */
function blocks(parts: DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  let removed = '';
  let added = '';
  const flush = () => {
    if (removed) out.push({ kind: 'removed', text: removed });
    if (added) out.push({ kind: 'added', text: added });
    removed = '';
    added = '';
  };
  parts.forEach((p, i) => {
    const inChange = removed || added;
    const nextChanges = parts[i + 1] && parts[i + 1]!.kind !== 'same';
    if (p.kind === 'removed') removed += p.text;
    else if (p.kind === 'added') added += p.text;
    else if (inChange && nextChanges && /^\s+$/.test(p.text)) {
      removed += p.text;
      added += p.text;
    } else {
      flush();
      out.push(p);
    }
  });
  flush();
  return out;
}

/** Classic LCS table (lengths of the common tail), then one walk from the start: removals before additions. */
function lcsDiff(a: string[], b: string[]): DiffPart[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const out: DiffPart[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! });
      i += 1;
      j += 1;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
      out.push({ kind: 'removed', text: a[i]! });
      i += 1;
    } else {
      out.push({ kind: 'added', text: b[j]! });
      j += 1;
    }
  }
  for (; i < n; i += 1) out.push({ kind: 'removed', text: a[i]! });
  for (; j < m; j += 1) out.push({ kind: 'added', text: b[j]! });
  return out;
}

/** What an edit changed in one turn (or in a text example's text). */
export interface TurnDiff {
  label: string;
  parts: DiffPart[];
}

/**
 * The turns an edit changed, each as a word diff, labelled as the editor labels them ("User", "Chosen · assistant",
 * "Text"). Turns that read the same on both sides are left out; a turn only one side has is all added or removed.
 */
export function diffExamples(before: ExampleContent, after: ExampleContent): TurnDiff[] {
  const texts = (c: ExampleContent) => (c.kind === 'text' ? [c.text] : exampleTurns(c).map((m) => m.content));
  const oldTexts = texts(before);
  const newTexts = texts(after);
  const oldLabels = exampleTurnLabels(before);
  const newLabels = exampleTurnLabels(after);
  const out: TurnDiff[] = [];
  for (let i = 0; i < Math.max(oldTexts.length, newTexts.length); i += 1) {
    const was = oldTexts[i] ?? '';
    const now = newTexts[i] ?? '';
    if (was === now) continue;
    out.push({ label: newLabels[i] ?? oldLabels[i] ?? `Turn ${i + 1}`, parts: diffWords(was, now) });
  }
  return out;
}
