import { ApiKeyStore, type NewApiKey } from '../src/store/api-key-store.js';
import { migratedDatabase } from './database.js';

const key = (name: string, overrides: Partial<NewApiKey> = {}): NewApiKey => ({
  team: 'team-a',
  role: 'submitter',
  name,
  keyHash: `hash-of-${name}`,
  prefix: `ct_${name.slice(0, 4)}`,
  ...overrides,
});

describe('ApiKeyStore (real Postgres)', () => {
  const database = migratedDatabase();
  let sut: ApiKeyStore;

  beforeAll(async () => {
    sut = new ApiKeyStore(database.dataSource);
  });

  it('creates a key and finds it by its hash, unrevoked and never used', async () => {
    const created = await sut.create(key('first'));
    const found = await sut.findByHash('hash-of-first');
    expect(found).toMatchObject({ id: created.id, team: 'team-a', role: 'submitter', prefix: 'ct_firs' });
    expect(found?.revokedAt).toBeNull();
    expect(found?.lastUsedAt).toBeNull();
    expect(await sut.findByHash('hash-of-nobody')).toBeNull();
  });

  it('refuses a second key with the same hash', async () => {
    await sut.create(key('twin'));
    await expect(sut.create(key('twin', { name: 'other' }))).rejects.toThrow();
  });

  it('lists keys newest first', async () => {
    const older = await sut.create(key('older'));
    const newer = await sut.create(key('newer'));
    const ids = (await sut.list()).map((row) => row.id);
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
  });

  it('revokes a key once: revoking again keeps the first time; an unknown key is false', async () => {
    const row = await sut.create(key('revoked'));
    expect(await sut.revoke(row.id)).toBe(true);
    const first = (await sut.findByHash('hash-of-revoked'))?.revokedAt;
    expect(first).toBeInstanceOf(Date);
    expect(await sut.revoke(row.id)).toBe(true);
    expect((await sut.findByHash('hash-of-revoked'))?.revokedAt).toEqual(first);
    expect(await sut.revoke('00000000-0000-4000-8000-000000000000')).toBe(false);
  });

  it('records when a key was last used', async () => {
    const row = await sut.create(key('used'));
    const at = new Date('2026-01-02T03:04:05.000Z');
    await sut.touch(row.id, at);
    expect((await sut.findByHash('hash-of-used'))?.lastUsedAt).toEqual(at);
  });

  it('upserts by hash: a new key is stored, a known one updated, and its revocation stays', async () => {
    const stored = await sut.upsert(key('boot', { role: 'admin' }));
    expect(stored).toMatchObject({ role: 'admin', revokedAt: null });
    await sut.revoke(stored.id);
    const again = await sut.upsert(key('boot', { role: 'admin', name: 'renamed' }));
    expect(again.id).toBe(stored.id);
    expect(again.name).toBe('renamed');
    expect(again.revokedAt).toBeInstanceOf(Date);
  });
});
