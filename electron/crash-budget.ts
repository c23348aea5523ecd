// "Restart it, but not forever": a process may fail a few times in a window before we stop restarting it and
// tell the user what to do instead of looping silently.

export class CrashBudget {
  private readonly times: number[] = [];

  constructor(
    private readonly maxCrashes: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; true when this one exhausts the budget (maxCrashes within windowMs). */
  record(): boolean {
    const t = this.now();
    this.times.push(t);
    while (this.times.length > 0 && (this.times[0] ?? t) <= t - this.windowMs) this.times.shift();
    return this.times.length >= this.maxCrashes;
  }

  /** Crashes still inside the window. */
  get recent(): number {
    return this.times.length;
  }
}
