import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type DocBlock, type MarkdownDoc, parseMarkdown, sectionOf } from '@ct/test-support';
import { readRepoFile, repoRoot } from './support/compose-file.js';

// The README is the front page and docs/ the reference. A test that runs (or, where it cannot run here, checks)
// bash blocks of these files says so with a line `runs doc blocks: <file> "<heading>" <1-based indexes|all>` (or
// `checks doc blocks: ...`) beside its lookup; this spec holds every bash block to such a claim.

const DOCS = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const parsed = new Map<string, MarkdownDoc>(DOCS.map((file) => [file, parseMarkdown(readRepoFile(file))]));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` on repeats. */
function anchors(doc: MarkdownDoc): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of doc.headings) {
    const slug = text
      .replace(/^#+ /, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    out.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return out;
}

/** The test files and scripts that may claim blocks (this spec excepted). */
function claimingFiles(): string[] {
  const roots = ['e2e/test', 'scripts', 'pipeline/tests'];
  for (const group of ['apps', 'packages'])
    for (const name of readdirSync(join(repoRoot, group)))
      roots.push(`${group}/${name}/test`, `${group}/${name}/src`);
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(join(repoRoot, dir))) return;
    for (const name of readdirSync(join(repoRoot, dir))) {
      const path = posix.join(dir, name);
      if (['node_modules', 'dist', '.venv', '__pycache__'].includes(name)) continue;
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else if (/\.(ts|mjs|sh|py)$/.test(name) && path !== 'packages/deploy-checks/test/docs.spec.ts')
        out.push(path);
    }
  };
  for (const root of roots) walk(root);
  return out;
}

type Claim = { by: string; verb: string; file: string; heading: string; which: string };
const CLAIM = /\b(runs|checks) doc blocks: (\S+) "([^"]+)" (all|\d+(?:,\d+)*)/g;
const claims: Claim[] = claimingFiles().flatMap((by) =>
  [...readRepoFile(by).matchAll(CLAIM)].map(([, verb = '', file = '', heading = '', which = '']) => ({
    by,
    verb,
    file,
    heading,
    which,
  })),
);

/**
 * The blocks a claim names, in its heading's section (undefined for an index past the section's end); none
 * when its file or heading does not exist.
 */
function claimedBlocks(claim: Claim): (DocBlock | undefined)[] {
  const doc = parsed.get(claim.file);
  if (!doc?.headings.some((h) => h.text === claim.heading)) return [];
  const blocks = sectionOf(doc, claim.heading).blocks;
  return claim.which === 'all' ? blocks : claim.which.split(',').map((i) => blocks[Number(i) - 1]);
}

/** Every bash block as `<file> "<heading>" <index>`: its nearest heading and its place in that heading's section. */
function blockNames(file: string, doc: MarkdownDoc): Map<number, string> {
  const names = new Map<number, string>();
  for (const block of doc.blocks.filter((b) => b.language === 'bash')) {
    const heading = doc.headings.filter((h) => h.line < block.line).at(-1)?.text ?? '';
    const index = sectionOf(doc, heading).blocks.findIndex((b) => b.line === block.line) + 1;
    names.set(block.line, `${file} "${heading}" ${index}`);
  }
  return names;
}

describe('README.md and docs/', () => {
  it('README.md is the front page: under 10 kB', () => {
    expect(Buffer.byteLength(readRepoFile('README.md'))).toBeLessThan(10_000);
  });

  it('README.md opens with the two commands, and .ci/run runs the second exactly as the README gives it', () => {
    const first = parseMarkdown(readRepoFile('README.md')).blocks[0];
    const commands = first?.code.split('\n').map((line) => line.replace(/\s+#.*$/, ''));
    expect({ language: first?.language, commands }).toEqual({
      language: 'bash',
      commands: ['bash scripts/stack.sh up', 'bash scripts/stack.sh test'],
    });
    expect(readRepoFile('.ci/run').split('\n')).toContain('bash scripts/stack.sh test');
  });

  it('README.md links every page of docs/', () => {
    const readme = readRepoFile('README.md');
    expect(DOCS.filter((file) => file !== 'README.md' && !readme.includes(`](${file})`))).toEqual([]);
  });

  it('every relative link points to a file that exists, and to a heading of it', () => {
    const broken: string[] = [];
    for (const file of parsed.keys()) {
      const prose = readRepoFile(file).replace(/^```[\s\S]*?^```$/gm, '');
      for (const [, target = ''] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const resolved = path === '' ? file : posix.normalize(posix.join(posix.dirname(file), path));
        if (!existsSync(join(repoRoot, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
        else if (anchor !== undefined && resolved.endsWith('.md')) {
          const linked = parsed.get(resolved) ?? parseMarkdown(readRepoFile(resolved));
          if (!anchors(linked).has(anchor)) broken.push(`${file}: ${path}#${anchor} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every claim names blocks that exist, in a file the claiming test reads', () => {
    const bad: string[] = [];
    for (const claim of claims) {
      const doc = parsed.get(claim.file);
      const where = `${claim.by} ${claim.verb} ${claim.file} "${claim.heading}" ${claim.which}`;
      if (!doc) {
        bad.push(`${where}: not README.md or a page of docs/`);
        continue;
      }
      const blocks = claimedBlocks(claim);
      if (blocks.length === 0 || blocks.includes(undefined)) bad.push(`${where}: no such block`);
      const rest = readRepoFile(claim.by).replace(CLAIM, '');
      if (!rest.includes(claim.file)) bad.push(`${where}: ${claim.by} does not read ${claim.file}`);
    }
    expect(claims.length).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });

  it('every bash block is claimed by a test', () => {
    const claimed = new Set<string>();
    for (const claim of claims)
      for (const block of claimedBlocks(claim)) if (block) claimed.add(`${claim.file}:${block.line}`);
    const unclaimed = [...parsed].flatMap(([file, doc]) =>
      [...blockNames(file, doc)].filter(([line]) => !claimed.has(`${file}:${line}`)).map(([, name]) => name),
    );
    expect(unclaimed.sort()).toEqual([]);
  });
});
