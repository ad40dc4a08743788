/** The dependencies of the API whose outage it reports rather than fails on. */
export type ApiDependency = 'redis' | 'mlflow';

/**
 * A dependency (Redis, MLflow) did not answer usably. Adapters throw it whoever called them (a request, the
 * reconciler, a schedule tick); only the HTTP edge turns it into `dependency_unavailable` (`toApiError`).
 */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: ApiDependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}
