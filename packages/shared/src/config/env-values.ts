import { resolve } from 'node:path';
import { z } from 'zod';

/** The value types of environment variables, each with a message naming what is expected. */

export function urlWithScheme(schemes: readonly string[], example: string) {
  const expected = `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')} (for example ${example})`;
  return z.string({ error: expected }).refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: expected },
  );
}

export function integerInRange(min: number, max: number) {
  const expected = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: expected })
    .regex(/^\d+$/, { error: expected })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: expected }).max(max, { error: expected }));
}

/** A file system path; relative paths are resolved against the working directory at start-up. */
export function path() {
  return z
    .string({ error: 'must be a file system path' })
    .min(1, { error: 'must be a file system path' })
    .transform((value) => resolve(value));
}
