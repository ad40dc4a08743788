import { DurableFlush } from '../src/store/durable-flush.js';
import { migratedDatabase } from './database.js';

describe('DurableFlush (real Postgres)', () => {
  const database = migratedDatabase();

  it('puts on disk a commit made with synchronous_commit off before it returns', async () => {
    const sut = new DurableFlush(database.dataSource);
    for (let i = 0; i < 5; i += 1) {
      const [{ written }] = await database.dataSource.query(
        `WITH off AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
         SELECT pg_current_wal_insert_lsn()::text AS written
         FROM off, LATERAL (SELECT pg_logical_emit_message(true, 'ct.test', 'x')) AS message`,
      );
      await sut.wait();
      const [{ flushed }] = await database.dataSource.query(
        'SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed',
        [written],
      );
      expect(flushed).toBe(true);
    }
  });

  it('shares flushes: callers during a flush wait for the next one, sent after they came', async () => {
    let sent = 0;
    const counting = {
      query: (sql: string) => {
        sent += 1;
        return database.dataSource.query(sql);
      },
    };
    const sut = new DurableFlush(counting);
    const together = Array.from({ length: 30 }, () => sut.wait());
    await Promise.all(together);
    expect(sent).toBe(1);

    const first = sut.wait();
    while (sent < 2) await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 10 }, () => sut.wait());
    await Promise.all([first, ...later]);
    expect(sent).toBe(3);
  });
});
