import type { ApiKeyRole } from '@ct/db';
import { API_KEY_ROLE_ORDER } from '@ct/shared';

/** Who is calling: the key, its team and its role. */
export interface Principal {
  keyId: string;
  team: string;
  role: ApiKeyRole;
}

/** Whether `role` may do what `needed` may (viewer < submitter < admin). */
export function hasRole(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return API_KEY_ROLE_ORDER.indexOf(role) >= API_KEY_ROLE_ORDER.indexOf(needed);
}

/** The team whose records the principal sees, or null for all teams (admin keys). */
export function teamScope(principal: Principal): string | null {
  return principal.role === 'admin' ? null : principal.team;
}
