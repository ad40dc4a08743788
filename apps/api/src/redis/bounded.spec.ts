import { DependencyUnavailableError } from '../errors/dependency-error.js';
import { bounded, withRedis } from './bounded.js';

const never = () => new Promise<never>(() => undefined);

describe('bounded', () => {
  it('answers what the operation answers in time', async () => {
    await expect(bounded(Promise.resolve(7), 'reading', () => true, 50)).resolves.toBe(7);
  });

  it('throws a DependencyUnavailableError of Redis when the operation takes too long', async () => {
    const sut = bounded(never(), 'while reading', () => true, 10);
    await expect(sut).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(sut).rejects.toMatchObject({
      dependency: 'redis',
      message: 'Redis did not answer within 10 ms while reading',
    });
  });

  it.each([
    ['unreachable: an outage', false, DependencyUnavailableError],
    ['reachable: the error itself', true, TypeError],
  ])('passes a failure while Redis is %s', async (_case, reachable, type) => {
    const sut = bounded(Promise.reject(new TypeError('boom')), 'while reading', () => reachable, 50);
    await expect(sut).rejects.toBeInstanceOf(type);
  });
});

describe('withRedis', () => {
  it('fails at once, without running the operation, while Redis is known to be down', () => {
    let ran = false;
    const operation = () => {
      ran = true;
      return never();
    };
    expect(() => withRedis({ commandsUsable: false }, 'while adding a job', operation)).toThrow(
      new DependencyUnavailableError('redis', 'Redis is unreachable while adding a job'),
    );
    expect(ran).toBe(false);
  });
});
