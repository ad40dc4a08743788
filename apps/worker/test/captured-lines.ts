import type { DestinationStream } from 'pino';

/** A pino destination for tests: every line, kept as written. */
export class CapturedLines implements DestinationStream {
  readonly lines: string[] = [];

  write(chunk: string): void {
    this.lines.push(...chunk.split('\n').filter((line) => line !== ''));
  }

  parsed(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
