/** Counters of an audit log since it started. */
export interface AuditStats {
  /** In memory, neither delivered nor spooled yet. */
  buffered: number;
  /** Delivered to the transport, directly or from the spool. */
  sent: number;
  /** Written to the spool. */
  spooled: number;
  /** Delivered from the spool (part of `sent`). */
  replayed: number;
  /** Lost: the buffer was full and the spool could not be written, or logged after close(). */
  dropped: number;
  /** Bytes in the spool not yet delivered. */
  spoolBytes: number;
}

/**
 * What an audit log says when it cannot do its job (a failing transport, a broken spool, dropped events): at
 * most once per interval and kind, with the counters, so that a full disk is loud but not a flood.
 */
export class AuditAlarms {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly options: {
      alarm: (message: string) => void;
      alarmIntervalMs: number;
      now: () => number;
    },
    private readonly stats: () => AuditStats,
  ) {}

  raise(kind: string, reason: string): void {
    const now = this.options.now();
    if (now - (this.last.get(kind) ?? Number.NEGATIVE_INFINITY) < this.options.alarmIntervalMs) return;
    this.last.set(kind, now);
    const { buffered, sent, spooled, replayed, dropped } = this.stats();
    this.options.alarm(
      `[audit] ${reason} (buffered=${buffered} sent=${sent} spooled=${spooled} replayed=${replayed} dropped=${dropped})`,
    );
  }
}
