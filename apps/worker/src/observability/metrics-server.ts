import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusContentType } from 'prom-client';
import type { WorkerMetrics } from './worker-metrics.js';

/** The worker's `/metrics` endpoint, apart from any framework: the worker serves nothing else over HTTP. */
export class MetricsServer {
  private constructor(private readonly server: Server) {}

  /** Listens on `host:port` (port 0: any free port). @throws when the port cannot be bound. */
  static async start(metrics: WorkerMetrics, host: string, port: number): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('not found: the worker serves GET /metrics\n');
        return;
      }
      metrics.exposition().then(
        (text) => res.writeHead(200, { 'Content-Type': prometheusContentType }).end(text),
        (error: unknown) =>
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MetricsServer(server);
  }

  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Serves `/metrics` where the configuration says, or not at all (WORKER_METRICS_PORT=0). A port that cannot
 * be bound is reported and the worker runs on without the endpoint: metrics never stop the work.
 */
export async function serveMetrics(
  metrics: WorkerMetrics,
  endpoint: { host: string; port: number } | null,
  logger: { log(message: string): void; error(message: string): void },
): Promise<MetricsServer | null> {
  if (endpoint === null) return null;
  try {
    const server = await MetricsServer.start(metrics, endpoint.host, endpoint.port);
    logger.log(`serving metrics on ${server.url}`);
    return server;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.error(
      `no metrics endpoint: cannot listen on ${endpoint.host}:${endpoint.port} (${reason}); set WORKER_METRICS_PORT to a free port, or 0`,
    );
    return null;
  }
}
