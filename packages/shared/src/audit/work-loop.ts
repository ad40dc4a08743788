/**
 * Runs `step` again and again, one call at a time, from a later turn of the event loop, until it says there
 * is nothing left to do; `schedule()` asks for a run, and one asked for during a run starts when it ends.
 * A step that throws is reported to `failed` and the run goes on. `ended` is called after every run.
 * `scheduleIn()` asks for a run later (a retry), on a timer that keeps no process alive.
 */
export class WorkLoop {
  private running: Promise<void> | null = null;
  private rerun = false;
  private scheduled = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly step: () => Promise<boolean>,
    private readonly failed: (error: unknown) => void,
    private readonly ended: () => void,
  ) {}

  /** Whether a run is about to start. */
  get pending(): boolean {
    return this.scheduled;
  }

  /** Whether a run is under way. */
  get active(): boolean {
    return this.running !== null;
  }

  schedule(): void {
    if (this.stopped || this.scheduled) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.run().finally(() => {
        this.running = null;
        if (this.rerun) {
          this.rerun = false;
          this.schedule();
        }
        this.ended();
      });
    });
  }

  /** Asks for a run in `delayMs`, instead of at the time an earlier call asked for. */
  scheduleIn(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.schedule();
      },
      Math.max(0, delayMs),
    );
    // Retries must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Starts no more runs; resolves once the one under way has ended. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!(await this.step())) return;
      } catch (error) {
        this.failed(error);
      }
    }
  }
}
