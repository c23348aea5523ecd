import { useMemo, type ReactNode } from 'react';
import type { ExampleContent } from '../../../src/shared/contract/index.js';
import { exampleTurns } from '../../../src/shared/datasets/example-text.js';
import { useSourceChunk } from './use-source-chunk.js';

/**
 * The source chunk of a generated example, beside it in the review card, so the expert checks the answer against
 * the text it came from. Examples that were not generated have no synthetic item: the panel renders nothing.
 */
export function SourceChunkPanel({ versionId, position, contentHash, content }: { versionId: string; position: number; contentHash: string; content: ExampleContent }) {
  const loaded = useSourceChunk(versionId, position, contentHash);

  const answer = content.kind === 'text' ? content.text : exampleTurns(content).filter((m) => m.role === 'assistant').map((m) => m.content).join(' ');
  const highlighted = useMemo(() => (loaded?.chunk ? highlight(loaded.chunk, answer) : null), [loaded?.chunk, answer]);
  if (!loaded) return null;
  const { item, chunk } = loaded;
  const p = item.provenance;
  const g = item.grounding;
  const range = p.pages ? (p.pages[0] === p.pages[1] ? `page ${p.pages[0]}` : `pages ${p.pages[0]}–${p.pages[1]}`) : null;
  const chars = p.chars ? `chars ${p.chars[0].toLocaleString('en')}–${p.chars[1].toLocaleString('en')}` : null;
  return (
    <section className="review-source" aria-label="Source chunk" data-testid="review-source">
      <header className="review-source-head">
        <h3 className="review-history-title">Source</h3>
        <span className={`review-source-flag ${g.grounded ? 'is-good' : 'is-bad'}`} title={g.reason} data-testid="review-source-grounding">
          {g.grounded ? 'Grounded' : 'Not grounded'} · {Math.round(g.wordCoverage * 100)}% words
        </span>
      </header>
      <p className="review-source-doc">
        <strong title={p.document}>{p.document}</strong>
        {[range, chars, `chunk ${p.chunkPosition + 1}`].filter(Boolean).map((x) => (
          <span key={x}> · {x}</span>
        ))}
      </p>
      {chunk === null ? (
        <p className="review-note">The source chunk is no longer in version {p.sourceVersionId.slice(0, 8)}.</p>
      ) : (
        <blockquote className="review-source-text" data-testid="review-source-text" tabIndex={0} aria-label="Source chunk text">
          {highlighted}
        </blockquote>
      )}
      {!g.grounded && g.missing.length > 0 && (
        <p className="review-source-missing" data-testid="review-source-missing">
          Not in the source: {g.missing.slice(0, 10).map((w) => <code key={w}>{w}</code>)}
        </p>
      )}
      <p className="review-source-meta">
        <span title={`sha256 ${p.teacher.sha256}`}>
          Teacher <strong>{p.teacher.name}</strong>
        </span>
        {p.teacher.adapters.length > 0 && <span> + {p.teacher.adapters.length} adapter{p.teacher.adapters.length > 1 ? 's' : ''}</span>}
        <span> · {p.template.kind} template {p.template.version}</span>
        <span> · seed {p.seed}</span>
      </p>
    </section>
  );
}

// A light copy of the engine's grounding words (src/engine/synthetic/grounding.ts): lowercase, crude suffix strip,
// stopwords and very short words ignored. Only for highlighting; the grounded flag itself comes from the engine.
const STOP = new Set(
  'the and but then else for with from are was were been being its this that these those there here which who whom whose what when where why how not nor than too very can could should would may might must shall will does did done have has had having you she they them their our your his her him also just only any all each some such into onto over under about after before between during through again further once more most other own same yes one two per via etc'.split(' '),
);
function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 4 && (w.endsWith('es') || w.endsWith('ed'))) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}
function key(word: string): string | null {
  const w = word.toLowerCase().normalize('NFKC').replace(/'s$/, '');
  if ((w.length < 3 && !/\d/.test(w)) || STOP.has(w)) return null;
  return stem(w);
}
const WORD = /[\p{L}\p{N}][\p{L}\p{N}'-]*/gu;

/** The chunk with every word that also appears in the answer marked. */
function highlight(chunk: string, answer: string): ReactNode[] {
  const wanted = new Set<string>();
  for (const m of answer.matchAll(WORD)) {
    const k = key(m[0]);
    if (k) wanted.add(k);
  }
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of chunk.matchAll(WORD)) {
    const k = key(m[0]);
    if (!k || !wanted.has(k)) continue;
    if (m.index > last) out.push(chunk.slice(last, m.index));
    out.push(<mark key={m.index}>{m[0]}</mark>);
    last = m.index + m[0].length;
  }
  out.push(chunk.slice(last));
  return out;
}
