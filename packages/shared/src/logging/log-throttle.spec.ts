import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it.each<[string, number[], number, boolean]>([
    ['the first line', [], 0, true],
    ['a line within the interval', [0], 9_999, false],
    ['a line once the interval is over', [0], 10_000, true],
    ['a line within the interval of a line let through later', [0, 10_000], 15_000, false],
  ])('lets through %s', (_case, earlier, at, expected) => {
    const sut = new LogThrottle(10_000);
    for (const now of earlier) sut.allow('', now);
    expect(sut.allow('', at)).toBe(expected);
  });

  it('writes a repeated line every 10 s unless told another interval', () => {
    const byDefault = new LogThrottle();
    const everyMinute = new LogThrottle(60_000);
    for (const sut of [byDefault, everyMinute]) sut.allow('', 0);
    expect([byDefault.allow('', 9_999), byDefault.allow('', 10_000)]).toEqual([false, true]);
    expect([everyMinute.allow('', 10_000), everyMinute.allow('', 60_000)]).toEqual([false, true]);
  });

  it('throttles each key on its own', () => {
    const sut = new LogThrottle(10_000);
    expect(sut.allow('a', 0)).toBe(true);
    expect(sut.allow('b', 1)).toBe(true);
    expect(sut.allow('a', 2)).toBe(false);
  });

  it('lets the next line through at once after a reset', () => {
    const sut = new LogThrottle(10_000);
    sut.allow('a', 0);
    sut.reset('a');
    expect(sut.allow('a', 1)).toBe(true);
  });
});
