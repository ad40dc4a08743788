import { type PipelineEvent, pipelineEventSchema } from '@ct/shared';

export type ParsedLine = { ok: true; event: PipelineEvent } | { ok: false; problem: string };

const NEWLINE = 0x0a;
const PREVIEW_CHARS = 200;

/**
 * Splits the bytes of the events pipe into lines and parses each one. Lines may arrive split across chunks
 * (even inside a multi-byte character: lines are cut as bytes, decoded whole). A line that is not a valid
 * event becomes a problem to report, never an exception; a line longer than `maxLineBytes` is dropped.
 */
export class EventLineParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private oversized = false;

  constructor(private readonly maxLineBytes = 1024 * 1024) {}

  push(chunk: Buffer): ParsedLine[] {
    const lines: ParsedLine[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.keep(chunk.subarray(start, end));
      const line = this.takeLine();
      if (line) lines.push(line);
      start = end + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  /** The last line, when the pipe closed without a final newline. */
  end(): ParsedLine[] {
    const line = this.takeLine();
    return line ? [line] : [];
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0 || this.oversized) return;
    if (this.pendingBytes + bytes.length > this.maxLineBytes) {
      this.oversized = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private takeLine(): ParsedLine | null {
    const oversized = this.oversized;
    const text = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.oversized = false;
    if (oversized) return { ok: false, problem: `event line longer than ${this.maxLineBytes} bytes dropped` };
    if (text.trim() === '') return null;
    return parseEventLine(text);
  }
}

/** Parses one line of the events pipe (without its newline). */
function parseEventLine(text: string): ParsedLine {
  const preview = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `event line is not JSON: ${preview}` };
  }
  const parsed = pipelineEventSchema.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, problem: `invalid event (${where}${issue?.message ?? 'invalid'}): ${preview}` };
}
