import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

/** The streams of one warm run, fed by the connections its process makes back to the worker. */
export interface RunStreams {
  stdout: PassThrough;
  stderr: PassThrough;
  events: PassThrough;
  /** All three connections were made and have closed. */
  closed: Promise<void>;
  /** Stops waiting for connections and drops the ones made (the run is over). */
  dispose(): void;
}

const STREAMS = ['stdout', 'stderr', 'events'] as const;
type StreamName = (typeof STREAMS)[number];
// A connection says whose stream it is in its first line: `<token> <stream>`.
const HEADER_MAX_BYTES = 128;
const HEADER_TIMEOUT_MS = 5_000;

interface Expected {
  streams: Record<StreamName, PassThrough>;
  sockets: Map<StreamName, Socket>;
  closedCount: number;
  onClosed: () => void;
}

/**
 * A unix socket in a private (0700) directory where warm runs connect their stdout, stderr and events
 * pipe: a forked process cannot be handed the worker's pipes, so it dials back. Each connection names a
 * run's random token; anything else is dropped.
 */
export class RunSockets {
  private readonly expected = new Map<string, Expected>();

  private constructor(
    readonly path: string,
    /** The private directory of the socket; the pool's server lives there too. */
    readonly dir: string,
    private readonly server: Server,
  ) {}

  static async open(): Promise<RunSockets> {
    const dir = await mkdtemp(join(tmpdir(), 'ct-pool-'));
    const path = join(dir, 'runs.sock');
    let sockets: RunSockets | null = null;
    const server = createServer((socket) => sockets?.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    server.unref();
    sockets = new RunSockets(path, dir, server);
    return sockets;
  }

  expect(token: string): RunStreams {
    let onClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      onClosed = resolve;
    });
    const entry: Expected = {
      streams: { stdout: new PassThrough(), stderr: new PassThrough(), events: new PassThrough() },
      sockets: new Map(),
      closedCount: 0,
      onClosed,
    };
    this.expected.set(token, entry);
    const dispose = () => {
      this.expected.delete(token);
      for (const socket of entry.sockets.values()) socket.destroy();
    };
    // The run destroys its streams when it is over: forget it then.
    let open = STREAMS.length;
    for (const stream of Object.values(entry.streams)) stream.once('close', () => --open === 0 && dispose());
    return { ...entry.streams, closed, dispose };
  }

  async close(): Promise<void> {
    for (const entry of this.expected.values()) for (const socket of entry.sockets.values()) socket.destroy();
    this.expected.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    let header = Buffer.alloc(0);
    socket.setTimeout(HEADER_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer) => {
      header = Buffer.concat([header, chunk]);
      const end = header.indexOf(0x0a);
      if (end < 0) {
        if (header.length > HEADER_MAX_BYTES) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.setTimeout(0);
      const [token = '', name = ''] = header.subarray(0, end).toString('utf8').split(' ');
      this.attach(socket, token, name, header.subarray(end + 1));
    };
    socket.on('data', onData);
  }

  private attach(socket: Socket, token: string, name: string, rest: Buffer): void {
    const entry = this.expected.get(token);
    const stream = STREAMS.find((known) => known === name);
    if (entry === undefined || stream === undefined || entry.sockets.has(stream)) {
      socket.destroy();
      return;
    }
    entry.sockets.set(stream, socket);
    const target = entry.streams[stream];
    if (rest.length > 0) target.write(rest);
    socket.pipe(target);
    // The run destroys its streams when it is over: a socket that a leftover process still holds goes too.
    target.once('close', () => socket.destroy());
    socket.once('close', () => {
      entry.closedCount += 1;
      if (entry.closedCount === STREAMS.length) entry.onClosed();
    });
  }
}
