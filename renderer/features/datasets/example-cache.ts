import type { LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';

const MAX_SETTLE_MS = 250;

export type Example = ResultOf<'datasets.examples'>['examples'][number];
export type FetchBlock = (offset: number, limit: number) => Promise<{ total: number; examples: Example[] }>;

export interface ExampleCacheOptions {
  total: number;
  /** Rows per request. */
  blockSize?: number;
  /** Blocks kept in memory; the least recently used go first, never one that is on screen. */
  maxBlocks?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** After a jump (a fling, a scrollbar drag, End), wait this long for the table to come to rest before fetching. */
  settleMs?: number;
  onError?: (error: unknown) => LatheErrorData;
}

/**
 * The examples of one dataset version, fetched in blocks as the table asks for rows and never all at once.
 * The table says which rows it shows (`want`); blocks it scrolled past before they were fetched are simply
 * no longer wanted, so a fast fling through a million rows costs the blocks it stops on, not the ones it crossed.
 */
export class ExampleCache {
  readonly blockSize: number;
  total: number;
  /** How many blocks were requested; tests and the dev overlay read it. */
  requests = 0;
  private readonly maxBlocks: number;
  private readonly concurrency: number;
  private readonly blocks = new Map<number, Example[]>();
  private readonly inFlight = new Set<number>();
  private readonly failed = new Map<number, LatheErrorData>();
  private wanted: number[] = [];
  private lastStart: number | null = null;
  private lastJumpAt = 0;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();
  private revision = 0;
  private disposed = false;

  constructor(
    private readonly fetchBlock: FetchBlock,
    private readonly options: ExampleCacheOptions,
  ) {
    this.total = options.total;
    this.blockSize = options.blockSize ?? 500;
    this.maxBlocks = Math.max(4, options.maxBlocks ?? 40);
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  /** The example at a row, or undefined while its block is on its way. */
  get(index: number): Example | undefined {
    const block = this.blocks.get(Math.floor(index / this.blockSize));
    return block?.[index % this.blockSize];
  }

  /** The error of the block holding this row, if fetching it failed. */
  errorAt(index: number): LatheErrorData | undefined {
    return this.failed.get(Math.floor(index / this.blockSize));
  }

  /** Rows `start`..`end` (inclusive) are on screen or about to be: fetch what covers them, nearest first. */
  want(start: number, end: number): void {
    if (this.disposed || this.total === 0) return;
    const last = Math.floor(Math.min(end, this.total - 1) / this.blockSize);
    const first = Math.floor(Math.max(0, Math.min(start, this.total - 1)) / this.blockSize);
    const wanted: number[] = [];
    for (let b = first; b <= last; b++) wanted.push(b);
    this.wanted = wanted;
    for (const b of wanted) this.touch(b);
    // A steady scroll moves a few rows at a time and is fed at once; a jump of more than a block is a fling in
    // progress, so wait until it stops and fetch only where it landed.
    const jumped = this.lastStart !== null && Math.abs(start - this.lastStart) > this.blockSize;
    this.lastStart = start;
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    // On a busy machine a fling's frames come further apart; wait a little longer than the gap between them.
    const now = Date.now();
    const gap = jumped ? now - this.lastJumpAt : Infinity;
    if (jumped) this.lastJumpAt = now;
    const base = this.options.settleMs ?? 80;
    const settleMs = gap < MAX_SETTLE_MS ? Math.min(MAX_SETTLE_MS, Math.max(base, gap * 1.5)) : base;
    if (jumped && base > 0) {
      this.settleTimer = setTimeout(() => {
        this.settleTimer = null;
        this.pump();
      }, settleMs);
    } else {
      this.pump();
    }
  }

  /** Forget failures (after the person pressed Retry) and fetch again what is on screen. */
  retry(): void {
    this.failed.clear();
    this.bump();
    this.pump();
  }

  /** Changes whenever a block arrives or fails; React reads it through useSyncExternalStore. */
  getRevision = (): number => this.revision;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get cachedBlocks(): number {
    return this.blocks.size;
  }

  dispose(): void {
    this.disposed = true;
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.listeners.clear();
    this.blocks.clear();
  }

  private pump(): void {
    if (this.disposed) return;
    for (const b of this.wanted) {
      if (this.inFlight.size >= this.concurrency) return;
      if (this.blocks.has(b) || this.inFlight.has(b) || this.failed.has(b)) continue;
      void this.load(b);
    }
  }

  private async load(block: number): Promise<void> {
    this.inFlight.add(block);
    this.requests += 1;
    try {
      const page = await this.fetchBlock(block * this.blockSize, this.blockSize);
      if (this.disposed) return;
      this.blocks.set(block, page.examples);
      this.total = page.total;
      this.evict();
    } catch (err) {
      if (this.disposed) return;
      this.failed.set(block, this.options.onError ? this.options.onError(err) : { code: 'INTERNAL', message: String(err), hint: '' });
    } finally {
      this.inFlight.delete(block);
    }
    this.bump();
    this.pump();
  }

  /** Marks a block as recently used: Map keeps insertion order, so re-inserting moves it to the back. */
  private touch(block: number): void {
    const rows = this.blocks.get(block);
    if (!rows) return;
    this.blocks.delete(block);
    this.blocks.set(block, rows);
  }

  private evict(): void {
    if (this.blocks.size <= this.maxBlocks) return;
    const keep = new Set(this.wanted);
    for (const b of this.blocks.keys()) {
      if (this.blocks.size <= this.maxBlocks) break;
      if (!keep.has(b)) this.blocks.delete(b);
    }
  }

  private bump(): void {
    this.revision += 1;
    for (const l of this.listeners) l();
  }
}
