import { z } from 'zod';

/**
 * The MLflow registered model of a team's pipeline: `<team>.<pipeline>`. The worker passes it to the
 * pipeline as CT_REGISTERED_MODEL; the models API only shows a team the names that start with `<team>.`.
 */
export function registeredModelName(team: string, pipeline: string): string {
  return `${team}.${pipeline}`;
}

/** Registry aliases the CT pipeline and the models API move. */
export const MODEL_ALIASES = ['champion', 'challenger'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];

/** The promotion step's decision, as the pipeline reports it in its `result` event and the job stores it. */
export const promotionDecisionSchema = z.object({
  promoted: z.boolean(),
  policy: z.enum(['auto', 'manual']),
  outcome: z.enum(['promote', 'reject']),
  reason: z.string(),
  primary: z.object({
    metric: z.string(),
    direction: z.enum(['minimize', 'maximize']),
    challenger: z.number(),
    champion: z.number().nullable(),
  }),
  champion_version: z.string().nullable(),
  alias: z.enum(MODEL_ALIASES).nullable(),
  /**
   * Set when the challenger won but an alias the move rests on no longer pointed where model validation saw
   * it (`expected`, `found`: versions, null for none): the version was registered and no alias moved.
   * Absent from results of pipelines older than this field.
   */
  alias_conflict: z
    .object({
      alias: z.enum(MODEL_ALIASES),
      expected: z.string().nullable(),
      found: z.string().nullable(),
    })
    .nullable()
    .optional(),
});
export type PromotionDecision = z.infer<typeof promotionDecisionSchema>;

/** What happened to a model version, in the audit trail of decisions. */
export const MODEL_DECISION_ACTIONS = [
  'registered',
  'auto_promoted',
  'approved',
  'rejected',
  'promoted_manually',
] as const;
export type ModelDecisionAction = (typeof MODEL_DECISION_ACTIONS)[number];

const isoDate = z.iso.datetime({ offset: true });

/** One recorded decision on a model version; `actor` is an API key id, or `pipeline` for the worker. */
export const modelDecisionSchema = z.object({
  id: z.string(),
  version: z.string(),
  action: z.enum(MODEL_DECISION_ACTIONS),
  actor: z.string(),
  jobId: z.uuid().nullable(),
  reason: z.string().nullable(),
  createdAt: isoDate,
});
export type ModelDecision = z.infer<typeof modelDecisionSchema>;

/** A version of a registered model as `GET /v1/models/:name` shows it. */
export const modelVersionSchema = z.object({
  version: z.string(),
  status: z.string(),
  created: isoDate,
  /** From the version's `metric.<name>` tags. */
  metrics: z.record(z.string(), z.number()),
  tags: z.record(z.string(), z.string()),
  /** The job that made it (its `ct.job_id` tag), if any. */
  jobId: z.string().nullable(),
  aliases: z.array(z.string()),
  decisions: z.array(modelDecisionSchema),
});
export type ModelVersionView = z.infer<typeof modelVersionSchema>;

/** Answer of `GET /v1/models/:name` and of every decision route: versions newest first. */
export const modelSchema = z.object({
  name: z.string(),
  aliases: z.record(z.string(), z.string()),
  versions: z.array(modelVersionSchema),
});
export type ModelView = z.infer<typeof modelSchema>;

/** `:name` of the models routes: `<team>.<pipeline>`. */
export const modelNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}\.[a-z0-9][a-z0-9_.-]{0,99}$/, {
  error: 'must be a registered model name <team>.<pipeline>',
});

/** `:version` of the models routes. */
export const modelVersionNumberSchema = z.string().regex(/^[1-9][0-9]{0,9}$/, {
  error: 'must be a version number',
});

/**
 * Body of the decision routes (approve, reject, promote): an optional reason for the record and, optionally,
 * the champion the caller saw. Whatever the body, the API re-reads the aliases just before it moves one and
 * answers 409 `conflict` when they changed since its own check.
 */
export const modelDecisionRequestSchema = z
  .strictObject({
    reason: z.string().trim().min(1).max(1000).optional(),
    expectedChampion: modelVersionNumberSchema
      .nullable()
      .optional()
      .describe(
        'The champion version the decision is based on (null: no champion). If the champion is another ' +
          'version by then, nothing changes and the answer is 409 conflict naming the current champion.',
      ),
  })
  .optional();
export type ModelDecisionRequest = z.output<typeof modelDecisionRequestSchema>;
