import { describe, expect, it } from 'vitest';
import { ExampleCache, type Example, type FetchBlock } from './example-cache.js';
import { oneLine, summarizeExample } from './example-summary.js';

const TOTAL = 1_000_000;

function example(position: number): Example {
  return {
    position,
    contentHash: `h${position}`,
    source: `grid.jsonl:line ${position + 1}`,
    split: null,
    content: {
      kind: 'chat',
      messages: [
        { role: 'user', content: `Q${position}` },
        { role: 'assistant', content: `A${position}` },
      ],
    },
  };
}

/** A fake engine whose answers the test releases by hand, so it can scroll while requests are in flight. */
function fakeEngine(total = TOTAL) {
  const calls: Array<{ offset: number; limit: number; release(): void; fail(): void }> = [];
  const fetchBlock: FetchBlock = (offset, limit) =>
    new Promise((resolve, reject) => {
      calls.push({
        offset,
        limit,
        release: () =>
          resolve({ total, examples: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => example(offset + i)) }),
        fail: () => reject(new Error('socket closed')),
      });
    });
  return { calls, fetchBlock };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('ExampleCache', () => {
  it('fetches only the blocks that cover the rows on screen', async () => {
    const { calls, fetchBlock } = fakeEngine();
    const cache = new ExampleCache(fetchBlock, { total: TOTAL, blockSize: 500 });
    cache.want(0, 40);
    expect(calls.map((c) => c.offset)).toEqual([0]);
    expect(cache.get(3)).toBeUndefined();
    calls[0]!.release();
    await settle();
    expect(cache.get(3)?.position).toBe(3);
    // Scrolling within the block costs nothing; crossing into the next one fetches it.
    cache.want(100, 140);
    cache.want(480, 520);
    expect(calls.map((c) => c.offset)).toEqual([0, 500]);
  });

  it('skips the blocks a fast scroll flew past', async () => {
    const { calls, fetchBlock } = fakeEngine();
    const cache = new ExampleCache(fetchBlock, { total: TOTAL, blockSize: 500, settleMs: 20 });
    cache.want(0, 40);
    expect(calls).toHaveLength(1);
    for (let row = 1000; row < 900_000; row += 25_000) cache.want(row, row + 40); // a fling, one frame apart
    cache.want(999_520, 999_560); // lands near the end
    expect(calls).toHaveLength(1); // nothing fetched while it moves
    await new Promise((r) => setTimeout(r, 40));
    expect(calls.map((c) => c.offset)).toEqual([0, 999_500]);
    calls[1]!.release();
    await settle();
    expect(cache.get(999_999)?.source).toBe('grid.jsonl:line 1000000');
    // A steady scroll back from there is fed at once.
    cache.want(999_300, 999_340);
    expect(calls.map((c) => c.offset)).toEqual([0, 999_500, 999_000]);
    expect(cache.requests).toBe(3);
  });

  it('fetches at most `concurrency` blocks at a time', () => {
    const { calls, fetchBlock } = fakeEngine();
    const cache = new ExampleCache(fetchBlock, { total: TOTAL, blockSize: 100, concurrency: 2 });
    cache.want(0, 450);
    expect(calls.map((c) => c.offset)).toEqual([0, 100]);
  });

  it('keeps a bounded number of blocks and never drops the ones on screen', async () => {
    const { calls, fetchBlock } = fakeEngine();
    const cache = new ExampleCache(fetchBlock, { total: TOTAL, blockSize: 500, maxBlocks: 4, concurrency: 1 });
    for (let b = 0; b < 10; b++) {
      cache.want(b * 500, b * 500 + 10);
      calls.at(-1)!.release();
      await settle();
    }
    expect(cache.cachedBlocks).toBe(4);
    expect(cache.get(9 * 500)?.position).toBe(4500);
    expect(cache.get(0)).toBeUndefined();
  });

  it('reports a failed block and fetches it again on retry', async () => {
    const { calls, fetchBlock } = fakeEngine();
    const cache = new ExampleCache(fetchBlock, {
      total: TOTAL,
      onError: (err) => ({ code: 'TRANSPORT_CLOSED', message: (err as Error).message, hint: 'Try again.' }),
    });
    let revisions = 0;
    cache.subscribe(() => (revisions += 1));
    cache.want(0, 10);
    calls[0]!.fail();
    await settle();
    expect(cache.errorAt(5)?.message).toBe('socket closed');
    cache.want(0, 12);
    expect(calls).toHaveLength(1); // a failure is not retried on its own
    cache.retry();
    expect(calls).toHaveLength(2);
    calls[1]!.release();
    await settle();
    expect(cache.errorAt(5)).toBeUndefined();
    expect(cache.get(5)?.position).toBe(5);
    expect(revisions).toBeGreaterThanOrEqual(3);
  });

  it('ignores answers that arrive after it was disposed', async () => {
    const { calls, fetchBlock } = fakeEngine();
    const cache = new ExampleCache(fetchBlock, { total: TOTAL });
    cache.want(0, 10);
    cache.dispose();
    calls[0]!.release();
    await settle();
    expect(cache.get(0)).toBeUndefined();
  });
});

describe('summarizeExample', () => {
  it('shows the first question and the answer to it', () => {
    const s = summarizeExample({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'You are a grid engineer.' },
        { role: 'user', content: 'What is\n\na recloser?' },
        { role: 'assistant', content: 'A breaker that closes again.' },
        { role: 'user', content: 'Why?' },
        { role: 'assistant', content: 'Most faults are temporary.' },
      ],
    });
    expect(s).toEqual({ prompt: 'What is a recloser?', response: 'A breaker that closes again.', turns: 4, hasSystem: true });
  });

  it('shows text as the prompt side and cuts long lines', () => {
    expect(summarizeExample({ kind: 'text', text: 'Transformers step voltage.' }).prompt).toBe('Transformers step voltage.');
    const long = oneLine('x'.repeat(1000), 50);
    expect(long).toHaveLength(50);
    expect(long.endsWith('…')).toBe(true);
  });
});
