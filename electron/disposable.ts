// Everything long-lived in the main process (windows, host processes, listeners) is a Disposable, so quitting
// can release them in a known order with a bounded wait — and a stuck step cannot keep the app alive.

export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(dispose: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      return dispose();
    },
  };
}

/** Resolves after `promise` settles or after `ms`, whichever is first; reports which one happened. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), ms);
  });
  try {
    return await Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Step {
  readonly name: string;
  readonly disposable: Disposable;
}

/**
 * Disposes in the order things were added (not reverse): main adds renderer ports first, then the inference host,
 * then the engine host, which is the shutdown order the design asks for. Each step gets its own time limit;
 * a failing or slow step is logged and the next one still runs.
 */
export class OrderedDisposables implements Disposable {
  private readonly steps: Step[] = [];
  private disposing: Promise<void> | null = null;

  constructor(
    private readonly stepTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  add(name: string, disposable: Disposable): void {
    if (this.disposing) {
      void Promise.resolve(disposable.dispose()).catch(() => undefined);
      return;
    }
    this.steps.push({ name, disposable });
  }

  dispose(): Promise<void> {
    this.disposing ??= this.run();
    return this.disposing;
  }

  private async run(): Promise<void> {
    for (const step of this.steps.splice(0)) {
      const outcome = await settleWithin(
        Promise.resolve()
          .then(() => step.disposable.dispose())
          .catch((err: unknown) => this.log(`shutdown: ${step.name} failed: ${String(err)}`)),
        this.stepTimeoutMs,
      );
      if (outcome === 'timed-out') this.log(`shutdown: ${step.name} did not finish within ${this.stepTimeoutMs} ms`);
    }
  }
}
