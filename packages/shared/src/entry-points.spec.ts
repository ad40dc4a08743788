import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

// What each entry of the package may bring into the process that imports it, checked on the source: every
// file reachable from the entry through imports (`import type` included: a type's package must be installed
// to compile against it) and the packages those files import. The root entry is what the CLI and any other
// client of the API load, so it must stay free of Node's modules and of the apps' runtime (pino, the IRIS SDK).

const SRC = import.meta.dirname;
const manifest = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string; default: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const dependencies = Object.keys(manifest.dependencies);
const IRIS_SDK = '@intersystems/intersystems-iris-native';
const NEST = '@nestjs/common';
const isNode = (name: string) => name.startsWith('node:');
const isDependency = (name: string) => dependencies.includes(name);

const ENTRIES: { subpath: string; source: string; may: string; allows: (name: string) => boolean }[] = [
  { subpath: '.', source: 'index.ts', may: 'only its dependencies', allows: isDependency },
  {
    subpath: './audit',
    source: 'audit.ts',
    may: "Node's modules and its dependencies (the IRIS SDK is resolved at run time, never imported)",
    allows: (name) => isNode(name) || isDependency(name),
  },
  {
    subpath: './audit-module',
    source: 'audit-module.ts',
    may: "what ./audit may, and Nest's common module",
    allows: (name) => isNode(name) || isDependency(name) || name === NEST,
  },
  { subpath: './project-archive', source: 'project-archive.ts', may: "only Node's modules", allows: isNode },
  {
    subpath: './runtime',
    source: 'runtime.ts',
    may: "Node's modules, its dependencies, pino and prom-client",
    allows: (name) => isNode(name) || isDependency(name) || name === 'pino' || name === 'prom-client',
  },
];

/** The package a specifier names (`zod/v4` is `zod`); Node's modules as `node:<name>` however written. */
function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier.split('/')[0] as string;
  const name = specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
  return builtinModules.includes(name) ? `node:${name}` : name;
}

/** The source files reachable from `entry` and, for each package they import, one file that imports it. */
function moduleGraph(entry: string): { files: string[]; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    if (!existsSync(file)) throw new Error(`${relative(SRC, file)} is imported but does not exist`);
    files.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) visit(join(dirname(file), fileName.replace(/\.js$/, '.ts')));
      else if (!packages.has(packageOf(fileName))) packages.set(packageOf(fileName), relative(SRC, file));
    }
  };
  visit(join(SRC, entry));
  return { files: [...files], packages };
}

describe.each(ENTRIES)('the entry $subpath', ({ subpath, source, may, allows }) => {
  const graph = moduleGraph(source);

  it(`imports ${may}`, () => {
    const refused = [...graph.packages]
      .filter(([name]) => !allows(name))
      .map(([name, by]) => `${name} (${by})`);
    expect(refused).toEqual([]);
  });

  it('is declared in package.json as its built file', () => {
    const built = `./dist/${source.replace(/\.ts$/, '')}`;
    expect(manifest.exports[subpath]).toEqual({ types: `${built}.d.ts`, default: `${built}.js` });
  });
});

describe('package.json', () => {
  it('declares no entry beyond those checked here', () => {
    expect(Object.keys(manifest.exports).sort()).toEqual(ENTRIES.map((entry) => entry.subpath).sort());
  });

  it('depends only on what the root entry imports: a client installs nothing it does not load', () => {
    const root = moduleGraph('index.ts');
    expect(dependencies.filter((name) => !root.packages.has(name))).toEqual([]);
  });

  it('leaves pino, prom-client, the IRIS SDK and Nest to the apps that load them, as optional peer dependencies', () => {
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([IRIS_SDK, NEST, 'pino', 'prom-client']);
    for (const name of Object.keys(manifest.peerDependencies)) {
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true });
    }
  });
});
