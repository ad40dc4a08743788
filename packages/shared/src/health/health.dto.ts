import { z } from 'zod';

/** The services the API needs before it can take work. */
export const DEPENDENCIES = ['redis', 'postgres', 'mlflow'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

/** The result of probing one dependency. */
export const dependencyCheckSchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().nonnegative(),
  error: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof dependencyCheckSchema>;

/** Body of `GET /health/live`: the process answers. */
export const livenessSchema = z.object({
  status: z.literal('live'),
  uptimeSeconds: z.number().nonnegative(),
  version: z.string(),
});
export type Liveness = z.infer<typeof livenessSchema>;

/** Body of `GET /health/ready`: 200 when every dependency is up, 503 naming those that are down. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  down: z.array(z.enum(DEPENDENCIES)),
  checks: z.object({
    redis: dependencyCheckSchema,
    postgres: dependencyCheckSchema,
    mlflow: dependencyCheckSchema,
  }),
});
export type Readiness = z.infer<typeof readinessSchema>;
