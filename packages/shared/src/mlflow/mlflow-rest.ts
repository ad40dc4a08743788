/** How an MLflow REST call ended: its JSON when it succeeded, else its status and MLflow's error code. */
export type MlflowAnswer =
  | { ok: true; json: unknown }
  | { ok: false; status: number; errorCode: string | undefined; text: string };

/** MLflow did not answer: refused, timed out, or gave a success that is not JSON. */
export class MlflowUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowUnreachableError';
  }
}

/**
 * Calls `<trackingUri>/api/2.0/mlflow/<path>` with a JSON body and a timeout. The api's registry client and
 * the worker's tracking client share it and map its outcomes to their own errors.
 * @throws MlflowUnreachableError when no usable answer arrives.
 */
export async function callMlflow(
  trackingUri: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<MlflowAnswer> {
  const what = `MLflow ${path.split('?')[0]}`;
  let response: Response;
  try {
    response = await fetch(`${trackingUri}/api/2.0/mlflow/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout...) is its cause.
    const cause = messageOf((error as { cause?: unknown } | null)?.cause);
    throw new MlflowUnreachableError(
      `${what} failed: ${messageOf(error) ?? String(error)}${cause ? ` (${cause})` : ''}`,
      { cause: error },
    );
  }
  const text = await response.text().catch(() => '');
  const json = parseJson(text);
  if (!response.ok) {
    const errorCode = (json as { error_code?: unknown } | undefined)?.error_code;
    return {
      ok: false,
      status: response.status,
      errorCode: typeof errorCode === 'string' ? errorCode : undefined,
      text,
    };
  }
  if (json === undefined) throw new MlflowUnreachableError(`${what} answered with invalid JSON`);
  return { ok: true, json };
}

/** MLflow's `[{key, value}]` tag lists as a record. */
export function tagRecord(
  tags: readonly { key: string; value: string }[] | undefined,
): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.key, tag.value]));
}

// Duck-typed: errors from fetch may come from another realm (a test VM), where instanceof Error fails.
function messageOf(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

function parseJson(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `PUT <trackingUri>/api/2.0/mlflow-artifacts/artifacts/<path>`: a file into the artifact store the tracking
 * server proxies (its `--artifacts-destination`: a folder locally, S3/MinIO in compose).
 * @throws MlflowUnreachableError when no answer arrives; an Error with the status when MLflow refuses.
 */
export async function putMlflowArtifact(
  trackingUri: string,
  path: string,
  data: Uint8Array,
  timeoutMs = 60_000,
): Promise<void> {
  const response = await artifactRequest(trackingUri, path, 'PUT', timeoutMs, data);
  if (!response.ok)
    throw new Error(`MLflow refused to store ${path}: ${response.status} ${await excerptOf(response)}`);
  await response.arrayBuffer().catch(() => undefined);
}

/**
 * `GET` of a file from the proxied artifact store; null when it is not there (404).
 * @throws MlflowUnreachableError when no answer arrives; an Error with the status for another refusal.
 */
export async function getMlflowArtifact(
  trackingUri: string,
  path: string,
  timeoutMs = 60_000,
): Promise<Buffer | null> {
  const response = await artifactRequest(trackingUri, path, 'GET', timeoutMs);
  if (response.status === 404) return null;
  if (!response.ok)
    throw new Error(`MLflow refused to send ${path}: ${response.status} ${await excerptOf(response)}`);
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new MlflowUnreachableError(`MLflow artifact ${path}: the download broke off: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

async function artifactRequest(
  trackingUri: string,
  path: string,
  method: 'GET' | 'PUT',
  timeoutMs: number,
  body?: Uint8Array,
): Promise<Response> {
  const url = `${trackingUri}/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
  try {
    return await fetch(url, {
      method,
      ...(body
        ? { body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream' } }
        : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = messageOf((error as { cause?: unknown } | null)?.cause);
    throw new MlflowUnreachableError(
      `MLflow artifact ${path}: ${messageOf(error) ?? String(error)}${cause ? ` (${cause})` : ''}`,
      { cause: error },
    );
  }
}

async function excerptOf(response: Response): Promise<string> {
  return (await response.text().catch(() => '')).slice(0, 300);
}
