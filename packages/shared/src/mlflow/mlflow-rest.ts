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
