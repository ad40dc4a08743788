export type DecisionKind = 'approve' | 'reject' | 'promote';

/** What a decision does to the registry's aliases. */
interface AliasMoves {
  /** The version becomes champion. */
  toChampion: boolean;
  /** The `challenger` alias is removed. */
  dropChallenger: boolean;
}

/**
 * The alias moves of a decision on `version` (whose registry status is `status`), given the aliases as they
 * are; throws `illegal(why)` for a decision that makes no sense in that state.
 */
export function aliasMoves(
  kind: DecisionKind,
  version: string,
  status: string,
  aliases: Readonly<Record<string, string>>,
  illegal: (why: string) => Error,
): AliasMoves {
  const { champion, challenger } = aliases;
  switch (kind) {
    case 'approve':
      if (challenger !== version) throw illegal('only the current challenger can be approved');
      return { toChampion: true, dropChallenger: true };
    case 'reject':
      if (champion === version) throw illegal('it is the champion; promote another version instead');
      return { toChampion: false, dropChallenger: challenger === version };
    case 'promote':
      if (status !== 'READY') throw illegal(`its status is ${status}, not READY`);
      if (champion === version) throw illegal('it is already the champion');
      return { toChampion: true, dropChallenger: challenger === version };
  }
}
