/** Wait before retry number `failures` (1, 2, ...): base, doubling, capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return failures <= 0 ? 0 : Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

/** Failures in a row of one thing (a transport, a spool) and when it may be tried again. */
export class RetryBackoff {
  private failures = 0;
  private retryAt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether the last try failed. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** When the next try is due (in the past while nothing failed). */
  get dueAt(): number {
    return this.retryAt;
  }

  /** Whether it may be tried now: nothing failed, or the wait after the failures is over. */
  due(): boolean {
    return this.failures === 0 || this.now() >= this.retryAt;
  }

  /** Counts a failure and sets the wait before the next try; returns the failures in a row. */
  failed(): number {
    this.failures += 1;
    this.retryAt = this.now() + backoffDelay(this.failures, this.baseMs, this.maxMs);
    return this.failures;
  }

  succeeded(): void {
    this.failures = 0;
  }
}
