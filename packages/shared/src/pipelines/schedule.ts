import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/** Why a cron expression cannot run, or null. The same parser (and version) as BullMQ's job schedulers. */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return `must have 5 fields (minute hour day month weekday) or 6 (with seconds first), not ${fields}`;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC', strict: false }).next();
    return null;
  } catch (error) {
    return `is not a cron expression that ever fires: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Why a time zone is not one the runtime knows, or null. */
export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `${zone} is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)`;
  }
}

/** The first tick of the schedule strictly after `after`; null if it never fires again. */
export function nextTick(schedule: { cron: string; timezone: string }, after: Date): Date | null {
  try {
    const expression = CronExpressionParser.parse(schedule.cron, {
      tz: schedule.timezone,
      currentDate: after,
    });
    return expression.next().toDate();
  } catch {
    return null;
  }
}

/** When a pipeline runs by the clock: a cron expression (5 fields, or 6 with seconds) in a time zone. */
export const scheduleSchema = z.strictObject({
  cron: z
    .string()
    .min(1)
    .max(200)
    .superRefine((cron, ctx) => {
      const problem = cronProblem(cron);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** An IANA time zone (`Europe/Paris`); the cron fields are read in it. */
  timezone: z
    .string()
    .min(1)
    .max(100)
    .default('UTC')
    .superRefine((zone, ctx) => {
      const problem = timeZoneProblem(zone);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});
export type Schedule = z.output<typeof scheduleSchema>;
