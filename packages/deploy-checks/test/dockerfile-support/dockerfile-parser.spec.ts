// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile ${VAR} syntax, on purpose
import { copyPaths, substitute, parseDockerfile as sut } from './dockerfile-parser.js';

describe('parseDockerfile', () => {
  it('reads parser directives only at the top, then stages with their instructions', () => {
    const dockerfile = sut(
      [
        '# syntax=docker/dockerfile:1',
        '# escape=\\',
        '',
        '# check=error=true is not a directive here: a blank line came first',
        'ARG NODE=24.21.0',
        'FROM node:${NODE}-bookworm-slim AS Build',
        'RUN echo one',
        'from build',
        'USER 1000',
      ].join('\n'),
    );
    expect(dockerfile.directives).toEqual({ syntax: 'docker/dockerfile:1', escape: '\\' });
    expect(dockerfile.globalArgs).toEqual({ NODE: '24.21.0' });
    expect(dockerfile.stages.map((s) => [s.from, s.name, s.index, s.instructions.length])).toEqual([
      ['node:24.21.0-bookworm-slim', 'build', 0, 2],
      ['build', undefined, 1, 2],
    ]);
  });

  it('joins continuations, skipping comment and blank lines inside them', () => {
    const [stage] = sut(
      [
        'FROM debian:12.8',
        'RUN apt-get update \\',
        '# a comment inside',
        '',
        ' && apt-get install -y tini   \\',
        ' && true',
      ].join('\n'),
    ).stages;
    expect(stage?.instructions[1]).toMatchObject({
      keyword: 'RUN',
      args: 'apt-get update && apt-get install -y tini && true',
      line: 2,
    });
  });

  it('honours the backtick escape directive', () => {
    const [stage] = sut(['# escape=`', 'FROM debian:12.8', 'RUN echo a `', '  b'].join('\n')).stages;
    expect(stage?.instructions[1]?.args).toBe('echo a b');
  });

  it('separates leading --flags from the arguments', () => {
    const [, stage] = sut(
      'FROM a:1 AS a\nFROM b:2\nCOPY --from=a --chown=1000:1000 --link /out /app\nRUN --mount=type=cache,target=/c make',
    ).stages;
    expect(stage?.instructions[1]).toMatchObject({
      keyword: 'COPY',
      flags: { from: 'a', chown: '1000:1000', link: '' },
      args: '/out /app',
    });
    expect(stage?.instructions[2]?.flags).toEqual({ mount: 'type=cache,target=/c' });
  });

  it.each([
    ['an instruction before FROM', 'RUN true\nFROM a:1', 'before the first FROM'],
    ['no FROM', '# nothing', 'no FROM'],
    ['a malformed FROM', 'FROM a:1 AS', 'FROM <image> [AS <name>] expected'],
    ['a heredoc', 'FROM a:1\nCOPY <<EOF /x\nhi\nEOF', 'heredocs are not supported'],
  ])('refuses %s', (_case, text, message) => {
    expect(() => sut(text)).toThrow(message);
  });
});

describe('copyPaths', () => {
  const copy = (args: string) => sut(`FROM a:1\nCOPY ${args}`).stages[0]?.instructions[1] as never;

  it.each([
    ['a b c/', { sources: ['a', 'b'], destination: 'c/' }],
    ['["a b", "c"]', { sources: ['a b'], destination: 'c' }],
  ])('%s', (args, expected) => {
    expect(copyPaths(copy(args))).toEqual(expected);
  });

  it('needs a source and a destination', () => {
    expect(() => copyPaths(copy('only'))).toThrow('needs a source and a destination');
  });
});

describe('substitute', () => {
  it('replaces known $NAME and ${NAME}, leaves unknown ones', () => {
    expect(substitute('$A-${B}-$C', { A: '1', B: '2' })).toBe('1-2-$C');
  });
});
