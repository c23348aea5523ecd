/**
 * Collects items pushed in quick succession and applies them together, at most once per `everyMs`: a run on a fast
 * machine (or a tiny model) reports a dozen steps a second, and re-rendering six charts for each one starved the page
 * on a loaded machine until it could not even take a click. The first push of a quiet period schedules the apply;
 * `flush` applies what is waiting now (unbinding, tests); `cancel` drops it.
 */
export interface Coalescer<T> {
  push(item: T): void;
  flush(): void;
  cancel(): void;
}

export function coalesce<T>(apply: (batch: T[]) => void, everyMs: number): Coalescer<T> {
  let waiting: T[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!waiting.length) return;
    const batch = waiting;
    waiting = [];
    apply(batch);
  };
  return {
    push(item) {
      waiting.push(item);
      timer ??= setTimeout(flush, everyMs);
    },
    flush,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      waiting = [];
    },
  };
}

/** The last item of each key, in the order the keys first appeared (a batch of full summaries: the newest wins). */
export function newestBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}
