import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AuditDeliveryError, type AuditEntry, type AuditTransport } from './audit-transport.js';
import { type IrisDeliverReply, type IrisWorkerData, irisWorkerMain } from './iris-worker.js';

/** Where and as whom the IRIS transport connects. */
export interface IrisConnectionConfig {
  host: string;
  port: number;
  namespace: string;
  user: string;
  password: string;
}

export interface IrisTransportOptions {
  /** `Prefix` argument of WriteToConsoleLog. */
  prefix: string;
  /** Seconds the SDK waits for a connection (its own default is 10). */
  connectTimeoutSeconds?: number;
  /** A batch not answered within this time fails and the thread is replaced (IRIS accepted but hangs). */
  deliveryTimeoutMs?: number;
  /**
   * Finds the SDK's CommonJS entry, at the first delivery: {@link resolveIrisSdk} by default. The SDK is an
   * optional peer dependency of this package, so a process that never configures IRIS never needs it.
   */
  resolveSdk?: () => string;
}

interface Waiting {
  readonly worker: Worker;
  readonly resolve: (reply: IrisDeliverReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** The official Node SDK of IRIS: a native module, loaded only in the transport's worker thread. */
const IRIS_SDK = '@intersystems/intersystems-iris-native';

/** The SDK's CommonJS entry, as this package resolves it (the app's copy, installed as its peer dependency). */
function resolveIrisSdk(): string {
  return createRequire(import.meta.url).resolve(IRIS_SDK);
}

/**
 * Writes audit events to IRIS's console log with `%SYS.System.WriteToConsoleLog(message, prefix, severity)`
 * through the official Node SDK, in a worker thread: the SDK's calls are synchronous and would otherwise block
 * the event loop for as long as IRIS takes (or a connection attempt lasts). The thread keeps one connection,
 * drops it on any error and reconnects on the next batch.
 */
export class IrisAuditTransport implements AuditTransport {
  readonly name = 'iris';
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly data: Omit<IrisWorkerData, 'sdkMain'>;
  private readonly resolveSdk: () => string;
  private sdkMain: string | null = null;
  private readonly deliveryTimeoutMs: number;

  constructor(connection: IrisConnectionConfig, options: IrisTransportOptions) {
    const connectTimeoutSeconds = options.connectTimeoutSeconds ?? 5;
    // Public callers of WriteToConsoleLog pass 0 (a flag) as Prefix: a numeric setting is passed as a number.
    const prefix = /^\d+$/.test(options.prefix) ? Number(options.prefix) : options.prefix;
    this.resolveSdk = options.resolveSdk ?? resolveIrisSdk;
    this.data = {
      ...connection,
      prefix,
      connectTimeoutSeconds,
    };
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? connectTimeoutSeconds * 1000 + 30_000;
  }

  async deliver(batch: readonly AuditEntry[]): Promise<void> {
    if (batch.length === 0) return;
    const entries = batch.map((entry) => ({ level: entry.level, message: entry.message }));
    const reply = await this.request(entries);
    if (reply.error !== undefined) throw new AuditDeliveryError(`IRIS: ${reply.error}`, reply.delivered);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.rejectAll(null, new Error('IRIS transport closed'));
    await worker?.terminate();
  }

  private request(entries: Array<{ level: number; message: string }>): Promise<IrisDeliverReply> {
    const worker = this.ensureWorker();
    const id = ++this.nextId;
    return new Promise<IrisDeliverReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new AuditDeliveryError(`IRIS did not answer within ${this.deliveryTimeoutMs} ms`, 0));
        // The thread may be stuck in a synchronous call: replace it.
        if (this.worker === worker) this.worker = null;
        void worker.terminate();
      }, this.deliveryTimeoutMs);
      // Like the thread itself, a delivery in flight must not keep a finished process alive: what is not
      // delivered is in the spool, and the next start replays it.
      timer.unref();
      this.waiting.set(id, { worker, resolve, reject, timer });
      worker.postMessage({ id, entries });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: IrisWorkerData = { ...this.data, sdkMain: this.sdkEntry() };
    const worker = new Worker(`(${irisWorkerMain.toString()})()`, { eval: true, workerData });
    worker.on('message', (reply: IrisDeliverReply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      clearTimeout(waiting.timer);
      waiting.resolve(reply);
    });
    const gone = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      this.rejectAll(worker, error);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`IRIS worker thread exited with code ${code}`)));
    // After the listeners: adding one refs the thread's ports again. The thread must never keep a finished
    // process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /**
   * Where the SDK is, found once. A missing SDK is a failed delivery like IRIS being down (the events wait in
   * the spool, the alarm says why), not a crash of the app that logs them.
   */
  private sdkEntry(): string {
    if (this.sdkMain !== null) return this.sdkMain;
    try {
      this.sdkMain = this.resolveSdk();
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new AuditDeliveryError(
        `IRIS: the IRIS SDK (${IRIS_SDK}) is not installed; the app that sets IRIS_AUDIT_HOST must depend on it (${reason})`,
        0,
      );
    }
    return this.sdkMain;
  }

  /** Fails the requests sent to `worker` (all when null): a replaced thread's exit must not fail the new one's. */
  private rejectAll(worker: Worker | null, error: Error): void {
    for (const [id, waiting] of this.waiting) {
      if (worker !== null && waiting.worker !== worker) continue;
      clearTimeout(waiting.timer);
      this.waiting.delete(id);
      waiting.reject(error);
    }
  }
}
