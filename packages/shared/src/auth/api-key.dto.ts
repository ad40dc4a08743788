import { z } from 'zod';

/** The roles a key can have. */
export const API_KEY_ROLE_NAMES = ['viewer', 'submitter', 'approver', 'admin'] as const;
export type ApiKeyRoleName = (typeof API_KEY_ROLE_NAMES)[number];

/**
 * What each role may act as. Not a line: `approver` (approves, rejects and promotes model versions) does not
 * imply `submitter`, so that the people who judge a model are not the ones who train it; `admin` may do all.
 */
export const ROLE_GRANTS: Readonly<Record<ApiKeyRoleName, readonly ApiKeyRoleName[]>> = {
  viewer: ['viewer'],
  submitter: ['viewer', 'submitter'],
  approver: ['viewer', 'approver'],
  admin: API_KEY_ROLE_NAMES,
};

/**
 * Team names scope jobs and keys; they also appear in MLflow tags. No `.`: it separates the team from the
 * pipeline in the registered model `<team>.<pipeline>`, so that two teams can never write the same model.
 */
export const teamNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
  error:
    'must be 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit (no ".": it separates team and pipeline in the registered model name <team>.<pipeline>)',
});

/** Body of `POST /v1/keys` (admin only). */
export const createApiKeySchema = z.strictObject({
  team: teamNameSchema,
  role: z.enum(API_KEY_ROLE_NAMES),
  name: z.string().trim().min(1).max(100),
});
export type CreateApiKey = z.output<typeof createApiKeySchema>;

const isoDate = z.iso.datetime({ offset: true });

/** An API key as listed: never the key itself, only its first characters. */
export const apiKeySchema = z.object({
  id: z.uuid(),
  team: z.string(),
  role: z.enum(API_KEY_ROLE_NAMES),
  name: z.string(),
  prefix: z.string(),
  createdAt: isoDate,
  revokedAt: isoDate.nullable(),
  lastUsedAt: isoDate.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

/** Answer to `GET /v1/keys`. */
export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) });
export type ApiKeyList = z.infer<typeof apiKeyListSchema>;

/** `:id` of `DELETE /v1/keys/:id`. */
export const apiKeyIdSchema = z.uuid({ error: 'must be a key id (a UUID)' });

/** Answer to `POST /v1/keys`: the only time the key itself is shown. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
