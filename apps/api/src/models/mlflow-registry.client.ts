import { callMlflow, type MlflowAnswer, MlflowUnreachableError, tagRecord } from '@ct/shared/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { DependencyUnavailableError } from '../errors/dependency-error.js';

/** A registered model: its aliases (alias → version). */
export interface RegisteredModel {
  name: string;
  aliases: Record<string, string>;
}

/** A version as the registry knows it. */
export interface RegistryVersion {
  version: string;
  status: string;
  createdAt: Date;
  runId: string | null;
  tags: Record<string, string>;
}

const REQUEST_TIMEOUT_MS = 10_000;
const PAGE_SIZE = 200;

const tags = z.array(z.object({ key: z.string(), value: z.string() })).optional();
const versionBody = z.object({
  version: z.string(),
  status: z.string().default('READY'),
  creation_timestamp: z.coerce.number(),
  run_id: z.string().optional(),
  tags,
});
const modelBody = z.object({
  registered_model: z.object({
    name: z.string(),
    aliases: z.array(z.object({ alias: z.string(), version: z.string() })).optional(),
  }),
});
const searchBody = z.object({
  model_versions: z.array(versionBody).optional(),
  next_page_token: z.string().optional(),
});

/**
 * The API's only client of MLflow's model registry (REST API 2.0). A missing model or version is null;
 * MLflow being unreachable or failing throws a `DependencyUnavailableError`.
 */
@Injectable()
export class MlflowRegistryClient {
  private readonly trackingUri: string;

  constructor(@Inject(API_CONFIG) config: Pick<ApiConfig, 'mlflowTrackingUri'>) {
    this.trackingUri = config.mlflowTrackingUri;
  }

  async getModel(name: string): Promise<RegisteredModel | null> {
    const body = await this.call('GET', `registered-models/get?${new URLSearchParams({ name })}`);
    if (body === null) return null;
    const model = parse(modelBody, body, 'registered-models/get').registered_model;
    return {
      name: model.name,
      aliases: Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, a.version])),
    };
  }

  /** Every version of the model, newest first. */
  async versions(name: string): Promise<RegistryVersion[]> {
    const versions: RegistryVersion[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ filter: `name='${name}'`, max_results: String(PAGE_SIZE) });
      if (pageToken) query.set('page_token', pageToken);
      const body = parse(searchBody, await this.call('GET', `model-versions/search?${query}`), 'search');
      versions.push(...(body.model_versions ?? []).map(toVersion));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return versions.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async getVersion(name: string, version: string): Promise<RegistryVersion | null> {
    const body = await this.call('GET', `model-versions/get?${new URLSearchParams({ name, version })}`);
    if (body === null) return null;
    return toVersion(
      parse(z.object({ model_version: versionBody }), body, 'model-versions/get').model_version,
    );
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  /** The answer's JSON, or null when MLflow says the resource does not exist. */
  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    let answer: MlflowAnswer;
    try {
      answer = await callMlflow(this.trackingUri, method, path, body, REQUEST_TIMEOUT_MS);
    } catch (error) {
      if (!(error instanceof MlflowUnreachableError)) throw error;
      throw new DependencyUnavailableError('mlflow', error.message, { cause: error });
    }
    if (answer.ok) return answer.json;
    if (answer.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
    throw new DependencyUnavailableError(
      'mlflow',
      `MLflow ${path.split('?')[0]} answered HTTP ${answer.status}`,
    );
  }
}

function toVersion(raw: z.infer<typeof versionBody>): RegistryVersion {
  return {
    version: raw.version,
    status: raw.status,
    createdAt: new Date(raw.creation_timestamp),
    runId: raw.run_id || null,
    tags: tagRecord(raw.tags),
  };
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new DependencyUnavailableError('mlflow', `unexpected answer from MLflow ${what}`);
  return parsed.data;
}
