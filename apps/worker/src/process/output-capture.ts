import { StringDecoder } from 'node:string_decoder';
import type { OutputStream } from './pipeline-launcher.js';

/**
 * Forwards a child's stdout and stderr as text, up to `maxBytes` in total; later output is read (so the
 * child never blocks on a full pipe) and dropped. Decoding is per stream, so a character split between two
 * chunks comes out whole.
 */
export class OutputCapture {
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private bytes = 0;
  private dropped = false;

  constructor(
    private readonly maxBytes: number,
    private readonly forward: (stream: OutputStream, text: string) => void,
    private readonly onFirstDrop: (message: string) => void,
  ) {}

  get truncated(): boolean {
    return this.dropped;
  }

  write(stream: OutputStream, chunk: Buffer): void {
    if (this.dropped) return;
    const room = this.maxBytes - this.bytes;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.bytes += kept.length;
    const text = this.decoders[stream].write(kept);
    if (text) this.forward(stream, text);
    if (kept.length < chunk.length) {
      this.dropped = true;
      this.onFirstDrop(`output beyond ${this.maxBytes} bytes was dropped`);
    }
  }

  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest) this.forward(stream, rest);
    }
  }
}
