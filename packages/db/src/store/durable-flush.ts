import type { DataSource } from 'typeorm';

// A synchronous commit of a transaction that wrote WAL (a logical message, which nothing decodes) flushes
// the WAL up to its own commit record, so every commit that ended before it was sent is on disk when it
// returns, whichever connection made it.
const FLUSH_SQL = "SELECT pg_logical_emit_message(true, 'ct.durable', '')";

/**
 * Waits until every commit that ended before the call is on disk, for commits made with
 * `synchronous_commit` off. Callers share flushes: a flush is sent on the event loop's next turn, after the
 * one in flight has returned, and every caller that came before it was sent waits for it; a caller that
 * comes once it was sent waits for the next one (its commit may have ended after the flush's). So many
 * concurrent submissions cost one round trip, not one each.
 */
export class DurableFlush {
  private inFlight: Promise<void> | null = null;
  private sending: Promise<void> | null = null;

  constructor(private readonly dataSource: Pick<DataSource, 'query'>) {}

  wait(): Promise<void> {
    this.sending ??= (this.inFlight ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.sending = null;
        const flush = this.dataSource.query(FLUSH_SQL).then(() => undefined);
        this.inFlight = flush;
        const clear = () => {
          if (this.inFlight === flush) this.inFlight = null;
        };
        flush.then(clear, clear);
        return flush;
      });
    return this.sending;
  }
}

const flushes = new WeakMap<DataSource, DurableFlush>();

/** The {@link DurableFlush} of `dataSource` (one per data source, so that its callers share flushes). */
export function durableFlushOf(dataSource: DataSource): DurableFlush {
  let flush = flushes.get(dataSource);
  if (flush === undefined) {
    flush = new DurableFlush(dataSource);
    flushes.set(dataSource, flush);
  }
  return flush;
}
