/** What {@link closeOnSignals} needs from an application. */
export interface Closable {
  close(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * On SIGTERM or SIGINT: says so, closes the application (its shutdown hooks release connections and
 * running work), then exits 0, or 1 when closing failed. A second signal while closing exits at once.
 */
export function closeOnSignals(app: Closable, log: (message: string) => void, exit = process.exit): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      log(`${signal} again while stopping: exiting now`);
      exit(1);
      return;
    }
    closing = true;
    log(`stopping on ${signal}`);
    app.close().then(
      () => {
        log('stopped');
        exit(0);
      },
      (error: unknown) => {
        log(`failed to stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
