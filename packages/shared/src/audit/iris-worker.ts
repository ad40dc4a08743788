/** What the IRIS worker thread is started with. */
export interface IrisWorkerData {
  /** Absolute path of the SDK's CommonJS entry (`.../intersystems-iris-native/src/index.js`). */
  sdkMain: string;
  host: string;
  port: number;
  namespace: string;
  user: string;
  password: string;
  prefix: string | number;
  connectTimeoutSeconds: number;
}

export interface IrisDeliverRequest {
  id: number;
  entries: Array<{ level: number; message: string }>;
}

export interface IrisDeliverReply {
  id: number;
  delivered: number;
  error?: string;
}

/**
 * The body of the IRIS transport's worker thread, where the SDK's synchronous calls block only this thread.
 * It is started from its own source text (`new Worker(code, { eval: true })`), so it must not use anything
 * from outside its body: no imports, no closures, only `require`.
 *
 * Loading the SDK: the package picks its native binary from the Linux distribution (`src/platform_info.js`)
 * and finds none on Debian, where it asks for `bin/lnxrhx64`. When loading the package fails on Linux x64,
 * this does what `src/import_irissdk.js` would have done with the Ubuntu 22.04 build, which loads on
 * Debian 12 (glibc 2.36): require `bin/lnxubuntu2204x64/irissdk.node`, call `registerBindingsPath` with its
 * folder, then place that result in the module cache as `import_irissdk.js`, so the rest of the package
 * (connection and Iris wrappers) loads unchanged.
 */
export function irisWorkerMain(): void {
  // Whether eval'd code runs as CommonJS depends on the parent's flags: get `require` without assuming.
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  // The SDK prints its platform guess on stdout; that is not part of the app's output. (Piping the thread's
  // stdout to the parent instead would hold a port that keeps a finished process alive.)
  console.log = () => undefined;
  process.stdout.write = () => true;
  const path = process.getBuiltinModule('node:path');
  const Module = process.getBuiltinModule('node:module');
  const data = workerData as IrisWorkerData;
  const load = Module.createRequire(data.sdkMain);

  function loadSdk() {
    try {
      return load(data.sdkMain);
    } catch (packageError) {
      if (process.platform !== 'linux' || process.arch !== 'x64') throw packageError;
      const src = path.dirname(data.sdkMain);
      const bin = path.join(src, '..', 'bin', 'lnxubuntu2204x64');
      const irissdk = load(path.join(bin, 'irissdk.node'));
      irissdk.registerBindingsPath(bin);
      const shim = new Module.Module(path.join(src, 'import_irissdk.js'));
      shim.filename = path.join(src, 'import_irissdk.js');
      shim.loaded = true;
      shim.exports = { irissdk };
      load.cache[shim.filename] = shim;
      return load(data.sdkMain);
    }
  }

  let sdk: { createConnection: (info: object) => { createIris(): IrisLike; close(): void } } | null = null;
  let connection: { close(): void } | null = null;
  let iris: IrisLike | null = null;
  interface IrisLike {
    classMethodValue(className: string, method: string, ...args: unknown[]): unknown;
  }

  function connect(): IrisLike {
    if (iris) return iris;
    sdk ??= loadSdk();
    const opened = (sdk as NonNullable<typeof sdk>).createConnection({
      host: data.host,
      port: data.port,
      ns: data.namespace,
      user: data.user,
      pwd: data.password,
      timeout: data.connectTimeoutSeconds,
      sharedmemory: false,
    });
    connection = opened;
    iris = opened.createIris();
    return iris;
  }

  function disconnect(): void {
    try {
      connection?.close();
    } catch {
      // The connection is being dropped because it failed; closing it may fail as well.
    }
    connection = null;
    iris = null;
  }

  parentPort?.on('message', (request: IrisDeliverRequest) => {
    let delivered = 0;
    try {
      const session = connect();
      for (const entry of request.entries) {
        const status = session.classMethodValue(
          '%SYS.System',
          'WriteToConsoleLog',
          entry.message,
          data.prefix,
          entry.level,
        );
        // WriteToConsoleLog returns a %Status: 1 when it succeeded, else an error status.
        if (String(status) !== '1') throw new Error(`WriteToConsoleLog returned ${String(status)}`);
        delivered += 1;
      }
      parentPort?.postMessage({ id: request.id, delivered } satisfies IrisDeliverReply);
    } catch (error) {
      disconnect();
      const message = error instanceof Error ? error.message : String(error);
      parentPort?.postMessage({ id: request.id, delivered, error: message } satisfies IrisDeliverReply);
    }
  });
}
