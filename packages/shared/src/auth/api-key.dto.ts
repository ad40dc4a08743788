import { z } from 'zod';

/** What a key may do, weakest first: each role may do everything the roles before it may. */
export const API_KEY_ROLE_ORDER = ['viewer', 'submitter', 'admin'] as const;
export type ApiKeyRoleName = (typeof API_KEY_ROLE_ORDER)[number];

/** Team names scope jobs and keys; they also appear in MLflow tags. */
export const teamNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, {
  error: 'must be 1-63 characters of a-z, 0-9, _, . and -, starting with a letter or digit',
});

/** Body of `POST /v1/keys` (admin only). */
export const createApiKeySchema = z.strictObject({
  team: teamNameSchema,
  role: z.enum(API_KEY_ROLE_ORDER),
  name: z.string().trim().min(1).max(100),
});
export type CreateApiKey = z.output<typeof createApiKeySchema>;

const isoDate = z.iso.datetime({ offset: true });

/** An API key as listed: never the key itself, only its first characters. */
export const apiKeySchema = z.object({
  id: z.uuid(),
  team: z.string(),
  role: z.enum(API_KEY_ROLE_ORDER),
  name: z.string(),
  prefix: z.string(),
  createdAt: isoDate,
  revokedAt: isoDate.nullable(),
  lastUsedAt: isoDate.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

/** Answer to `POST /v1/keys`: the only time the key itself is shown. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
