/** How many workers consuming `queue` are alive now, for the `ct_workers_live` gauge. */
export interface LiveWorkers {
  count(queue: string): Promise<number>;
}

/** Injection token of {@link LiveWorkers}. */
export const LIVE_WORKERS = Symbol('LIVE_WORKERS');
