import { productionClosure, readWorkspaceLockfile } from './support/lockfile.js';

// What a production install of each app brings (its image's node_modules, the CLI's install). @ct/shared's
// root entry is contracts only; its Node runtime takes the IRIS SDK and pino as optional peer dependencies,
// so only the apps that load them (through @ct/shared/audit and @ct/shared/runtime) install them.

const lockfile = readWorkspaceLockfile();
const IRIS_SDK = '@intersystems/intersystems-iris-native';

describe('production dependencies', () => {
  it('of the CLI, which needs only the contracts and the typed client: no IRIS SDK, pino, TypeORM or Nest', () => {
    const closure = productionClosure(lockfile, 'apps/cli');
    expect(closure).toContain('link:packages/shared');
    expect(closure).toContain('zod');
    expect([IRIS_SDK, 'pino', 'typeorm', '@nestjs/common'].filter((name) => closure.has(name))).toEqual([]);
  });

  it.each(['apps/api', 'apps/worker'])(
    'of %s: the IRIS SDK, pino and Nest as its own dependencies, where @ct/shared finds its peers',
    (app) => {
      const direct = Object.keys(lockfile.importers[app]?.dependencies ?? {});
      expect([IRIS_SDK, 'pino', '@nestjs/common'].filter((name) => !direct.includes(name))).toEqual([]);
    },
  );
});
