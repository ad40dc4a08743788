import { closeOnSignals } from './shutdown.js';

describe('closeOnSignals', () => {
  afterEach(() => {
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
  });

  function setUp(close: () => Promise<void>) {
    const log: string[] = [];
    const exits: number[] = [];
    let resolveExit: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (resolveExit = resolve));
    closeOnSignals({ close }, (message) => log.push(message), ((code: number) => {
      exits.push(code);
      resolveExit();
    }) as never);
    return { log, exits, exited };
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('closes the app on %s, then exits 0', async (signal) => {
    let closed = false;
    const sut = setUp(async () => {
      closed = true;
    });
    process.emit(signal, signal);
    await sut.exited;
    expect(closed).toBe(true);
    expect(sut.log).toEqual([`stopping on ${signal}`, 'stopped']);
    expect(sut.exits).toEqual([0]);
  });

  it('exits 1 and says why when closing fails', async () => {
    const sut = setUp(async () => {
      throw new Error('redis quit timed out');
    });
    process.emit('SIGTERM', 'SIGTERM');
    await sut.exited;
    expect(sut.log).toEqual(['stopping on SIGTERM', 'failed to stop cleanly: redis quit timed out']);
    expect(sut.exits).toEqual([1]);
  });

  it('exits at once on a second signal while closing', async () => {
    const sut = setUp(() => new Promise<void>(() => undefined));
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT');
    await sut.exited;
    expect(sut.log).toEqual(['stopping on SIGTERM', 'SIGINT again while stopping: exiting now']);
    expect(sut.exits).toEqual([1]);
  });
});
