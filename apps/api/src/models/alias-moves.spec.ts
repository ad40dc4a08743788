import { aliasMoves, type DecisionKind } from './alias-moves.js';

const ALIASES = { champion: '1', challenger: '2' };
const illegal = (why: string) => new Error(why);

describe('aliasMoves', () => {
  it.each<[DecisionKind, string, string, { toChampion: boolean; dropChallenger: boolean }]>([
    ['approve', '2', 'READY', { toChampion: true, dropChallenger: true }],
    ['reject', '2', 'READY', { toChampion: false, dropChallenger: true }],
    ['reject', '3', 'READY', { toChampion: false, dropChallenger: false }],
    ['promote', '2', 'READY', { toChampion: true, dropChallenger: true }],
    ['promote', '3', 'READY', { toChampion: true, dropChallenger: false }],
  ])('%s of version %s (%s)', (kind, version, status, expected) => {
    expect(aliasMoves(kind, version, status, ALIASES, illegal)).toEqual(expected);
  });

  it.each<[DecisionKind, string, string, string]>([
    ['approve', '3', 'READY', 'only the current challenger'],
    ['approve', '1', 'READY', 'only the current challenger'],
    ['reject', '1', 'READY', 'it is the champion'],
    ['promote', '1', 'READY', 'already the champion'],
    ['promote', '3', 'PENDING_REGISTRATION', 'not READY'],
  ])('refuses to %s version %s (%s)', (kind, version, status, why) => {
    expect(() => aliasMoves(kind, version, status, ALIASES, illegal)).toThrow(why);
  });
});
