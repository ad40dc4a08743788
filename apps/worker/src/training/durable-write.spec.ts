import { durableWrite, refusedForWhatItIs } from './durable-write.js';

describe('durableWrite', () => {
  it('tries again while the write fails for want of Postgres, and returns what it finally wrote', async () => {
    let calls = 0;
    const sut = durableWrite(async () => {
      calls += 1;
      if (calls < 3) throw new Error('Connection terminated unexpectedly');
      return 'stored';
    }, 5_000);
    await expect(sut).resolves.toBe('stored');
    expect(calls).toBe(3);
  });

  it('fails at once on a write Postgres refuses for what it is', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('invalid byte sequence'), { driverError: { code: '22021' } });
    await expect(
      durableWrite(async () => {
        calls += 1;
        throw refused;
      }, 5_000),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up after its time', async () => {
    const started = Date.now();
    await expect(durableWrite(() => Promise.reject(new Error('ECONNREFUSED')), 500)).rejects.toThrow(
      'ECONNREFUSED',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each([
    ['22021', true],
    ['23505', true],
    ['42P01', true],
    ['57P01', false],
    ['08006', false],
    [undefined, false],
  ])('SQLSTATE %s refused for what it is: %s', (code, expected) => {
    expect(refusedForWhatItIs({ driverError: { code } })).toBe(expected);
  });
});
