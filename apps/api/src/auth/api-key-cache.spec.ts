import { ApiKeyCache, KEY_CACHE_TTL_MS } from './api-key-cache.js';
import type { Principal } from './principal.js';

const alice: Principal = { keyId: 'key-a', team: 'team-a', role: 'submitter' };
const bob: Principal = { keyId: 'key-b', team: 'team-b', role: 'viewer' };

/** A cache on a clock that the test moves. */
function cacheAt(start = 1_000_000, maxEntries = 100) {
  const clock = { now: start };
  const sut = new ApiKeyCache(KEY_CACHE_TTL_MS, maxEntries, () => clock.now);
  return { sut, clock };
}

describe('ApiKeyCache', () => {
  it.each([
    ['just cached', 0, true],
    ['a moment before it expires', KEY_CACHE_TTL_MS - 1, true],
    ['once it expires', KEY_CACHE_TTL_MS, false],
    ['long after', 10 * KEY_CACHE_TTL_MS, false],
  ])('answers a key %s: %s', (_case, elapsed, hit) => {
    const { sut, clock } = cacheAt();
    sut.set('hash-a', alice, null, sut.generation());
    clock.now += elapsed;
    expect(sut.get('hash-a')?.principal).toEqual(hit ? alice : undefined);
  });

  it('forgets a revoked key at once, and only that key', () => {
    const { sut } = cacheAt();
    sut.set('hash-a', alice, null, sut.generation());
    sut.set('hash-b', bob, null, sut.generation());
    sut.forgetKey(alice.keyId);
    expect(sut.get('hash-a')).toBeUndefined();
    expect(sut.get('hash-b')?.principal).toEqual(bob);
  });

  it('does not cache a key read by a lookup that a revocation overtook', () => {
    const { sut } = cacheAt();
    const before = sut.generation();
    sut.forgetKey(alice.keyId);
    const entry = sut.set('hash-a', alice, 5, before);
    expect(entry.principal).toEqual(alice);
    expect(sut.get('hash-a')).toBeUndefined();
  });

  it('drops the oldest entry beyond its size', () => {
    const { sut } = cacheAt(0, 2);
    sut.set('hash-1', alice, null, sut.generation());
    sut.set('hash-2', bob, null, sut.generation());
    sut.set('hash-3', alice, null, sut.generation());
    expect([sut.size, sut.get('hash-1'), sut.get('hash-3')?.principal]).toEqual([2, undefined, alice]);
  });
});
