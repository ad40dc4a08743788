import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A heading as written (`## Jobs API`), its level and its line (1-based). */
export type DocHeading = { text: string; level: number; line: number };
/** A fenced code block: its language (`bash`, `json`, or '' for a bare fence), its code, its opening line. */
export type DocBlock = { language: string; code: string; line: number };
export type MarkdownDoc = { lines: string[]; headings: DocHeading[]; blocks: DocBlock[] };
/** A heading's section: its text from the heading line on, and its code blocks of one language. */
export type DocSection = { text: string; blocks: DocBlock[] };

const FENCE = /^```(\S*)\s*$/;
const HEADING = /^(#{1,6}) \S/;

/** The headings and fenced code blocks of a Markdown text; a `#` line inside a fence is code, not a heading. */
export function parseMarkdown(text: string): MarkdownDoc {
  const headings: DocHeading[] = [];
  const blocks: DocBlock[] = [];
  let open: { language: string; line: number; lines: string[] } | null = null;
  const lines = text.split('\n');
  for (const [index, content] of lines.entries()) {
    const line = index + 1;
    const fence = FENCE.exec(content);
    if (open) {
      if (fence?.[1] === '') {
        blocks.push({ language: open.language, line: open.line, code: open.lines.join('\n') });
        open = null;
      } else open.lines.push(content);
    } else if (fence) open = { language: fence[1] ?? '', line, lines: [] };
    else {
      const heading = HEADING.exec(content);
      if (heading) headings.push({ text: content.trimEnd(), level: heading[1]?.length ?? 0, line });
    }
  }
  if (open) throw new Error(`a code fence opened on line ${open.line} is never closed`);
  return { lines, headings, blocks };
}

/**
 * The section under the heading written `heading` (e.g. `## Jobs API`): up to the next heading of the same or a
 * higher level, subsections included; its blocks of `language`, in order.
 */
export function sectionOf(doc: MarkdownDoc, heading: string, language = 'bash'): DocSection {
  const start = doc.headings.find((h) => h.text === heading);
  if (!start) throw new Error(`no heading "${heading}"`);
  const end =
    doc.headings.find((h) => h.line > start.line && h.level <= start.level)?.line ?? doc.lines.length + 1;
  return {
    text: doc.lines.slice(start.line - 1, end - 1).join('\n'),
    blocks: doc.blocks.filter((b) => b.language === language && b.line > start.line && b.line < end),
  };
}

/** The bash blocks of `heading`'s section in `file` (a path under `root`), as written, in order. */
export function docBlocks(root: string, file: string, heading: string): string[] {
  const doc = parseMarkdown(readFileSync(join(root, file), 'utf8'));
  try {
    return sectionOf(doc, heading).blocks.map((block) => `${block.code}\n`);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}
