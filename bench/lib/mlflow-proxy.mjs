// A counting HTTP proxy in front of an MLflow server: every request the platform (worker and its Python
// children) sends to MLflow goes through it, and is recorded with its time, endpoint and sender, so that a
// benchmark can say how many requests a job made, by endpoint, with artifact transfers apart.
import { createServer, request as httpRequest } from 'node:http';

/**
 * The endpoint of a request path: `runs/log-batch` for `/api/2.0/mlflow/runs/log-batch`, and for the
 * artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`) `artifacts:upload`, `artifacts:download` or
 * `artifacts:list` (a GET without a file path, or with `?path=`, lists a folder).
 */
export function endpointOf(method, url) {
  const { pathname, searchParams } = new URL(url, 'http://proxy');
  const artifact = /\/mlflow-artifacts\/artifacts(\/.*)?$/.exec(pathname);
  if (artifact) {
    if (method === 'PUT' || method === 'POST') return 'artifacts:upload';
    if (!artifact[1] || artifact[1] === '/' || searchParams.has('path')) return 'artifacts:list';
    return method === 'GET' ? 'artifacts:download' : `artifacts:${method.toLowerCase()}`;
  }
  const api = /\/(?:ajax-)?api\/[0-9.]+\/mlflow\/(.+)$/.exec(pathname);
  // Ids in a path (logged models m-<hex>): one endpoint, as the pipeline's own count names it.
  return api ? api[1].replace(/\/+$/, '').replace(/(^|\/)(?:m-)?[0-9a-f]{32}(?=\/|$)/g, '$1:id') : pathname;
}

/** The metric values a request logs: the `metrics` of a log-batch, one for a log-metric, else 0. */
export function metricValuesIn(endpoint, body) {
  if (endpoint !== 'runs/log-batch' && endpoint !== 'runs/log-metric') return 0;
  try {
    const parsed = JSON.parse(body);
    return endpoint === 'runs/log-metric' ? 1 : (parsed.metrics?.length ?? 0);
  } catch {
    return 0;
  }
}

/** Whether an endpoint moves artifact bytes (an upload or a download), the traffic the goal leaves apart. */
export const isArtifactTransfer = (endpoint) =>
  endpoint === 'artifacts:upload' || endpoint === 'artifacts:download';

/** Python's MLflow client or the worker (Node's fetch), from the User-Agent. */
export const senderOf = (userAgent = '') => (/python|mlflow/i.test(userAgent) ? 'python' : 'worker');

/**
 * Starts the proxy on a free port of 127.0.0.1 in front of `target` (e.g. http://127.0.0.1:5050). Returns its
 * `url`, the `requests` seen so far ({at, method, endpoint, path, sender, status, ms, metrics}), and `close()`.
 */
export async function startMlflowProxy(target) {
  const upstream = new URL(target);
  const requests = [];
  const server = createServer((req, res) => {
    const entry = {
      at: Date.now(),
      method: req.method,
      endpoint: endpointOf(req.method, req.url),
      path: req.url,
      sender: senderOf(req.headers['user-agent']),
      status: 0,
      ms: 0,
      metrics: 0,
    };
    requests.push(entry);
    const started = performance.now();
    if (entry.endpoint.startsWith('runs/log-')) {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        entry.metrics = metricValuesIn(entry.endpoint, Buffer.concat(chunks).toString('utf8'));
      });
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        answer.on('end', () => {
          entry.ms = performance.now() - started;
        });
      },
    );
    forward.on('error', (error) => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${error.message}`);
    });
    req.pipe(forward);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
