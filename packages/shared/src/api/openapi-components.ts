import { z } from 'zod';
import { apiKeyListSchema, createApiKeySchema, createdApiKeySchema } from '../auth/api-key.dto.js';
import { errorBodySchema } from '../errors/error-codes.js';
import { livenessSchema, readinessSchema } from '../health/health.dto.js';
import { jobLogsSchema, jobPageSchema, jobSchema } from '../jobs/job.dto.js';
import { jobEventSchema } from '../jobs/job-event.dto.js';
import { submitJobSchema } from '../jobs/submit-job.dto.js';
import { modelDecisionRequestSchema, modelSchema } from '../models/model-registry.dto.js';

/** Names of the API's schemas in the OpenAPI document (and so in generated clients of other languages). */
export const OPENAPI_SCHEMA_NAMES: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [errorBodySchema, 'ErrorBody'],
  [livenessSchema, 'Liveness'],
  [readinessSchema, 'Readiness'],
  [createApiKeySchema, 'CreateApiKey'],
  [createdApiKeySchema, 'CreatedApiKey'],
  [apiKeyListSchema, 'ApiKeyList'],
  [submitJobSchema, 'SubmitJob'],
  [jobSchema, 'Job'],
  [jobPageSchema, 'JobPage'],
  [jobLogsSchema, 'JobLogs'],
  [jobEventSchema, 'JobEvent'],
  [modelSchema, 'Model'],
  [modelDecisionRequestSchema, 'ModelDecisionRequest'],
]);

const REF_PREFIX = '#/components/schemas/';
type Json = Record<string, unknown>;

/**
 * The JSON Schemas of one direction (`input`: what clients send, with defaults optional; `output`: what the
 * API answers) as OpenAPI components that refer to each other with `$ref`. Schemas added `inline` (params,
 * query) are converted in the same pass, so their parts can refer to components, but are not components.
 */
export class SchemaComponents {
  private readonly baseIds = new Map<z.ZodType, string>();
  private readonly inlineSchemas = new Set<z.ZodType>();
  private ids = new Map<z.ZodType, string>();
  private built: Record<string, Json> | undefined;

  constructor(
    private readonly io: 'input' | 'output',
    private readonly names: ReadonlyMap<z.ZodType, string> = new Map(),
  ) {}

  add(schema: z.ZodType, fallbackName: string, options: { inline?: boolean } = {}): void {
    if (this.baseIds.has(schema)) return;
    this.baseIds.set(
      schema,
      options.inline ? `__inline_${fallbackName}` : (this.names.get(schema) ?? fallbackName),
    );
    if (options.inline) this.inlineSchemas.add(schema);
  }

  /**
   * Converts every added schema. Names in `taken` (the other direction's) get an `Input` suffix, so that a
   * schema used both ways has two components.
   */
  build(taken: ReadonlySet<string> = new Set()): Record<string, Json> {
    this.ids = new Map();
    const used = new Set<string>();
    for (const [schema, base] of this.baseIds) {
      const id = taken.has(base) ? `${base}Input` : base;
      if (used.has(id)) throw new Error(`two ${this.io} schemas are both named ${id}`);
      used.add(id);
      this.ids.set(schema, id);
    }
    const registry = z.registry<{ id: string }>();
    for (const [schema, id] of this.ids) registry.add(schema, { id });
    const { schemas } = z.toJSONSchema(registry, {
      io: this.io,
      unrepresentable: 'any',
      uri: (id) => `${REF_PREFIX}${id}`,
    });
    if ('__shared' in schemas) throw new Error(`${this.io} schemas share an unnamed part: name it`);
    this.built = {};
    for (const [id, jsonSchema] of Object.entries(schemas)) {
      const { $schema: _dialect, $id: _id, ...rest } = jsonSchema as Json;
      this.built[id] = rest;
    }
    return this.publicSchemas();
  }

  /** The components: every converted schema that was not added inline. */
  publicSchemas(): Record<string, Json> {
    return Object.fromEntries(
      Object.entries(this.builtSchemas()).filter(([id]) => !id.startsWith('__inline_')),
    );
  }

  ref(schema: z.ZodType): Json {
    return { $ref: `${REF_PREFIX}${this.idOf(schema)}` };
  }

  /** The JSON Schema of a schema added inline. */
  inlined(schema: z.ZodType): Json {
    const found = this.builtSchemas()[this.idOf(schema)];
    if (!found) throw new Error(`no ${this.io} JSON Schema for ${this.idOf(schema)}`);
    return found;
  }

  private idOf(schema: z.ZodType): string {
    const id = this.ids.get(schema);
    if (id === undefined) throw new Error(`an ${this.io} schema was used without being added`);
    return id;
  }

  private builtSchemas(): Record<string, Json> {
    if (!this.built) throw new Error('build() first');
    return this.built;
  }
}
