import { Wakeup } from './wakeup.js';

describe('Wakeup', () => {
  it('wakes a waiter at once', async () => {
    const sut = new Wakeup();
    const started = Date.now();
    const waiting = sut.wait(5_000);
    sut.notify();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps a notification that came before the wait', async () => {
    const sut = new Wakeup();
    sut.notify();
    const started = Date.now();
    await sut.wait(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('times out without a notification, and a consumed notification does not count twice', async () => {
    const sut = new Wakeup();
    sut.notify();
    await sut.wait(5_000);
    const started = Date.now();
    await sut.wait(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
