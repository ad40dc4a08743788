import type { LogStream } from '@ct/db';

const FLUSH_EVERY_MS = 500;
const FLUSH_AT_BYTES = 64 * 1024;

/**
 * Collects a job's output and writes it in batches (every 500 ms, or at 64 kB), in order, one chunk per
 * run of the same stream. Once the store refuses a chunk (its cap reached, or the attempt stale), later
 * output is dropped.
 */
export class LogBatcher {
  private segments: { stream: LogStream; text: string }[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private full = false;

  constructor(
    private readonly write: (stream: LogStream, text: string) => Promise<boolean>,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(stream: LogStream, text: string): void {
    if (this.full || text === '') return;
    const last = this.segments.at(-1);
    if (last?.stream === stream) last.text += text;
    else this.segments.push({ stream, text });
    this.bytes += Buffer.byteLength(text);
    if (this.bytes >= FLUSH_AT_BYTES) this.send();
    else this.timer ??= setTimeout(() => this.send(), FLUSH_EVERY_MS);
  }

  /** Writes what is pending and waits for every write so far. */
  async flush(): Promise<void> {
    this.send();
    await this.writing;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const segments = this.segments;
    this.segments = [];
    this.bytes = 0;
    if (segments.length === 0) return;
    this.writing = this.writing.then(async () => {
      for (const { stream, text } of segments) {
        if (this.full) return;
        try {
          if (!(await this.write(stream, text))) this.full = true;
        } catch (error) {
          this.onError(error);
        }
      }
    });
  }
}
