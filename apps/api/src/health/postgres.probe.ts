import pg from 'pg';
import type { DependencyProbe } from './dependency-probe.js';

/** Runs `SELECT 1` on a small pool. */
export class PostgresProbe implements DependencyProbe {
  readonly name = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(url: string, timeoutMs: number) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its connection must not crash the API; the next check reports it.
    this.pool.on('error', () => undefined);
  }

  async check(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
