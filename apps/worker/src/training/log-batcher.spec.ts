import type { LogStream } from '@ct/db';
import { LogBatcher } from './log-batcher.js';

describe('LogBatcher', () => {
  function setup(capChunks = Number.POSITIVE_INFINITY) {
    const written: [LogStream, string][] = [];
    const errors: unknown[] = [];
    const sut = new LogBatcher(
      async (stream, text) => {
        if (written.length >= capChunks) return false;
        written.push([stream, text]);
        return true;
      },
      (error) => errors.push(error),
    );
    return { sut, written, errors };
  }

  it('writes one chunk per run of the same stream, in order', async () => {
    const { sut, written } = setup();
    sut.add('stdout', 'a');
    sut.add('stdout', 'b');
    sut.add('stderr', 'c');
    sut.add('system', 'd');
    sut.add('stdout', 'e');
    expect(written).toEqual([]);
    await sut.flush();
    expect(written).toEqual([
      ['stdout', 'ab'],
      ['stderr', 'c'],
      ['system', 'd'],
      ['stdout', 'e'],
    ]);
  });

  it('writes at once when 64 kB are pending', async () => {
    const { sut, written } = setup();
    sut.add('stdout', 'x'.repeat(64 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toHaveLength(1);
    await sut.flush();
  });

  it('writes what is pending after 500 ms', async () => {
    const { sut, written } = setup();
    sut.add('stderr', 'late');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(written).toEqual([['stderr', 'late']]);
  });

  it('drops everything once the store reports its cap', async () => {
    const { sut, written } = setup(1);
    sut.add('stdout', 'kept');
    await sut.flush();
    sut.add('stdout', 'dropped');
    await sut.flush();
    sut.add('stdout', 'dropped too');
    await sut.flush();
    expect(written).toEqual([['stdout', 'kept']]);
  });

  it('reports a failed write and goes on', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const sut = new LogBatcher(
      async () => {
        if (++calls === 1) throw new Error('db down');
        return true;
      },
      (error) => errors.push(error),
    );
    sut.add('stdout', 'a');
    await sut.flush();
    sut.add('stdout', 'b');
    await sut.flush();
    expect(errors).toEqual([new Error('db down')]);
    expect(calls).toBe(2);
  });
});
