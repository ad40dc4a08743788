import { type Lockfile, productionClosure as sut } from './lockfile.js';

describe('productionClosure', () => {
  const lockfile: Lockfile = {
    importers: {
      'apps/cli': {
        dependencies: { '@ct/shared': { version: 'link:../../packages/shared' } },
      },
      'packages/shared': {
        dependencies: { zod: { version: '4.6.7' } },
        optionalDependencies: { fsevents: { version: '2.3.3' } },
      },
    },
    snapshots: {
      'zod@4.6.7': { dependencies: { 'react-is-18': 'react-is@18.3.1' } },
      'react-is@18.3.1': {},
      'fsevents@2.3.3': { dependencies: { '@scope/native': '1.0.0(peer@2.0.0)' } },
      '@scope/native@1.0.0(peer@2.0.0)': {},
      'pino@10.4.0': {},
    },
  };

  it('follows linked workspace projects, optional dependencies, aliases and peer-suffixed versions', () => {
    expect([...sut(lockfile, 'apps/cli')].sort()).toEqual([
      '@scope/native',
      'fsevents',
      'link:apps/cli',
      'link:packages/shared',
      'react-is',
      'zod',
    ]);
  });

  it('fails on an entry the lockfile does not hold', () => {
    expect(() => sut(lockfile, 'apps/none')).toThrow('no importer apps/none');
  });
});
