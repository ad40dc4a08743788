/** The dependencies whose failure is not the job's fault: a later attempt may succeed. */
const INFRASTRUCTURE_DEPENDENCIES = ['mlflow', 'postgres', 'redis', 'filesystem', 'process'] as const;
export type InfrastructureDependency = (typeof INFRASTRUCTURE_DEPENDENCIES)[number];

/** A dependency of the worker failed (MLflow, Postgres, Redis, the disk, or starting a process). */
export class InfrastructureError extends Error {
  constructor(
    readonly dependency: InfrastructureDependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency}: ${message}`, options);
    this.name = 'InfrastructureError';
  }
}

/** A one-line description of anything thrown, for logs and failure messages. */
export function describeError(error: unknown): string {
  // Not `instanceof Error`: errors from another realm (Node's fetch under a test VM) are errors too.
  if (isErrorLike(error)) return error.message || error.name || 'error';
  return String(error);
}

function isErrorLike(error: unknown): error is { message?: string; name?: string } {
  return typeof error === 'object' && error !== null && 'message' in error;
}
