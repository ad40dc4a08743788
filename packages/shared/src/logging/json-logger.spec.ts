import { Writable } from 'node:stream';
import { createJsonLogger } from './json-logger.js';
import { NestPinoLogger } from './nest-pino-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('createJsonLogger and NestPinoLogger', () => {
  it('writes one JSON object a line with the level as a word, the name and the Nest context', () => {
    const { lines, stream } = capture();
    const sut = new NestPinoLogger(() => createJsonLogger({ name: 'ct-test', level: 'log' }, stream));
    sut.log('listening', 'Api');
    sut.debug('not shown at level log', 'Api');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', name: 'ct-test', msg: 'listening', context: 'Api' }),
    ]);
    expect(Date.parse(String(lines[0]?.time))).not.toBeNaN();
  });

  it.each([
    ['verbose', 'trace'],
    ['warn', 'warn'],
    ['fatal', 'fatal'],
  ] as const)('maps LOG_LEVEL %s to pino %s', (level, pinoLevel) => {
    expect(createJsonLogger({ name: 'x', level }, capture().stream).level).toBe(pinoLevel);
  });

  it("keeps an error's stack apart from the context, and an Error as err", () => {
    const { lines, stream } = capture();
    const sut = new NestPinoLogger(() => createJsonLogger({ name: 'x', level: 'log' }, stream));
    sut.error('failed', 'Error: boom\n    at somewhere (file.js:1:1)', 'Worker');
    sut.error(new Error('broken'), 'Worker');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'failed', context: 'Worker' });
    expect(lines[0]?.stack).toContain('at somewhere');
    expect(lines[1]).toMatchObject({ msg: 'broken', context: 'Worker', err: { message: 'broken' } });
  });

  it('redacts the paths it is given and adds the mixin fields to every line', () => {
    const { lines, stream } = capture();
    const sut = createJsonLogger(
      {
        name: 'x',
        level: 'log',
        redact: { paths: ['authorization'], censor: '[redacted]' },
        mixin: () => ({ jobId: 'j1' }),
      },
      stream,
    );
    sut.info({ authorization: 'Bearer secret' }, 'request');
    expect(lines[0]).toMatchObject({ authorization: '[redacted]', jobId: 'j1' });
  });
});
