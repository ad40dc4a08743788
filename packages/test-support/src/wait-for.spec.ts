import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    const sut = await waitFor('the third call', () => (++calls === 3 ? calls : undefined), { intervalMs: 1 });
    expect(sut).toBe(3);
  });

  it('names what it waited for and the last error when time runs out', async () => {
    const sut = waitFor(
      'a flaky thing',
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 30, intervalMs: 5 },
    );
    await expect(sut).rejects.toThrow(
      /timed out after 30 ms waiting for a flaky thing \(last error: still broken\)/,
    );
  });
});
