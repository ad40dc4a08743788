import { productionClosure, readWorkspaceLockfile } from './support/lockfile.js';

// What a production install of each app brings (its image's node_modules, the CLI's install). @ct/shared's
// root entry is contracts only; its Node runtime takes the IRIS SDK, pino, prom-client and Nest as optional
// peer dependencies, so only the apps that load them (through @ct/shared/audit, /audit-module and /runtime)
// install them.

const lockfile = readWorkspaceLockfile();
const IRIS_SDK = '@intersystems/intersystems-iris-native';

describe('production dependencies', () => {
  it('of the CLI, which needs only the contracts and the typed client: none of the runtime, TypeORM or Nest', () => {
    const closure = productionClosure(lockfile, 'apps/cli');
    expect(closure).toContain('link:packages/shared');
    expect(closure).toContain('zod');
    const runtime = [IRIS_SDK, 'pino', 'prom-client', 'typeorm', '@nestjs/common'];
    expect(runtime.filter((name) => closure.has(name))).toEqual([]);
  });

  it.each(['apps/api', 'apps/worker'])(
    "of %s: @ct/shared's peers (IRIS SDK, pino, prom-client, Nest) as its own dependencies, where it finds them",
    (app) => {
      const direct = Object.keys(lockfile.importers[app]?.dependencies ?? {});
      const peers = [IRIS_SDK, 'pino', 'prom-client', '@nestjs/common'];
      expect(peers.filter((name) => !direct.includes(name))).toEqual([]);
    },
  );
});
