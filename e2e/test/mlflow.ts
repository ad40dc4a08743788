/** Reads MLflow through its REST API. */
export async function mlflowGet<T>(trackingUri: string, path: string): Promise<T> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${path}`);
  if (!response.ok) throw new Error(`MLflow GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Deletes a registered model with its versions, as on a fresh MLflow (CI's): a champion left by an earlier run
 * of a test would be compared with its new model. A model that does not exist is fine.
 */
export async function deleteRegisteredModel(trackingUri: string, name: string): Promise<void> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/registered-models/delete`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!response.ok && response.status !== 404)
    throw new Error(`MLflow delete of ${name}: ${response.status} ${await response.text()}`);
}

export interface MlflowRun {
  info: { run_id: string; status: string; experiment_id: string };
  data: {
    params?: { key: string; value: string }[];
    metrics?: { key: string; value: number }[];
    tags?: { key: string; value: string }[];
  };
}

export async function getRun(trackingUri: string, runId: string): Promise<MlflowRun> {
  return (await mlflowGet<{ run: MlflowRun }>(trackingUri, `runs/get?run_id=${runId}`)).run;
}

export function tagsOf(run: MlflowRun): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}
