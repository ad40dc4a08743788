import { API_KEY_ROLES } from '@ct/db';
import { API_KEY_ROLE_NAMES } from '@ct/shared';
import { hasRole, teamScope } from './principal.js';

describe('roles', () => {
  it('are the same in the DTOs and in the database', () => {
    expect([...API_KEY_ROLES]).toEqual([...API_KEY_ROLE_NAMES]);
  });

  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'submitter', false],
    ['viewer', 'admin', false],
    ['submitter', 'viewer', true],
    ['submitter', 'submitter', true],
    ['submitter', 'admin', false],
    ['submitter', 'approver', false],
    ['approver', 'viewer', true],
    ['approver', 'submitter', false],
    ['approver', 'approver', true],
    ['approver', 'admin', false],
    ['viewer', 'approver', false],
    ['admin', 'viewer', true],
    ['admin', 'submitter', true],
    ['admin', 'approver', true],
    ['admin', 'admin', true],
  ] as const)('%s may act as %s: %s', (role, needed, expected) => {
    expect(hasRole(role, needed)).toBe(expected);
  });

  it.each([
    ['viewer', 'team-a'],
    ['submitter', 'team-a'],
    ['approver', 'team-a'],
    ['admin', null],
  ] as const)('a %s key sees the records of %s', (role, scope) => {
    expect(teamScope({ keyId: 'k', team: 'team-a', role })).toBe(scope);
  });
});
