import type { ApiKeyRole } from '@ct/db';
import { ROLE_GRANTS } from '@ct/shared';

/** Who is calling: the key, its team and its role. */
export interface Principal {
  keyId: string;
  team: string;
  role: ApiKeyRole;
}

/** Whether `role` may do what `needed` may (`ROLE_GRANTS`: approver does not imply submitter). */
export function hasRole(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return ROLE_GRANTS[role].includes(needed);
}

/** The team whose records the principal sees, or null for all teams (admin keys). */
export function teamScope(principal: Principal): string | null {
  return principal.role === 'admin' ? null : principal.team;
}
