import { randomUUID } from 'node:crypto';

/** Sets up registered models directly through MLflow's REST API, as the pipeline would. */
export class RegistryFixture {
  private readonly base: string;
  private run: { id: string; artifactUri: string } | null = null;

  constructor(trackingUri: string) {
    this.base = `${trackingUri}/api/2.0/mlflow`;
  }

  async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.base}/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`MLflow ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text || '{}');
  }

  /** A registered model with one version per entry of `versions` (their tags), versions 1, 2, ... */
  async model(name: string, versions: Record<string, string>[]): Promise<void> {
    const run = await this.sourceRun();
    await this.call('POST', 'registered-models/create', { name });
    for (const tags of versions)
      await this.call('POST', 'model-versions/create', {
        name,
        source: `${run.artifactUri}/model`,
        run_id: run.id,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
  }

  async alias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  async aliases(name: string): Promise<Record<string, string>> {
    const body = await this.call('GET', `registered-models/get?${new URLSearchParams({ name })}`);
    const model = body.registered_model as { aliases?: { alias: string; version: string }[] };
    return Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, a.version]));
  }

  async delete(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { name }).catch(() => undefined);
  }

  /** One run whose artifact folder all versions point at: the registry only checks the source's form. */
  private async sourceRun(): Promise<{ id: string; artifactUri: string }> {
    if (this.run) return this.run;
    const experiment = await this.call('POST', 'experiments/create', { name: `ct-api-test-${randomUUID()}` });
    const created = await this.call('POST', 'runs/create', {
      experiment_id: experiment.experiment_id,
      start_time: Date.now(),
    });
    const info = (created.run as { info: { run_id: string; artifact_uri: string } }).info;
    this.run = { id: info.run_id, artifactUri: info.artifact_uri };
    return this.run;
  }
}
