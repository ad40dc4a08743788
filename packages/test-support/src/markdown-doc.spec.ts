import { parseMarkdown, sectionOf } from './markdown-doc.js';

const DOC = [
  '# Title',
  '```bash',
  'echo top',
  '```',
  '## First',
  '```bash',
  '# a comment, not a heading',
  'echo one',
  '```',
  '```json',
  '{"a": 1}',
  '```',
  '### Sub',
  '```bash',
  'echo sub',
  '```',
  '## Second',
  '```',
  '## inside a bare fence',
  '```',
  '```bash',
  'echo two',
  '```',
].join('\n');

describe('parseMarkdown', () => {
  it('finds headings outside fences only, and every block with its language and opening line', () => {
    const sut = parseMarkdown(DOC);
    expect(sut.headings.map((h) => [h.text, h.level, h.line])).toEqual([
      ['# Title', 1, 1],
      ['## First', 2, 5],
      ['### Sub', 3, 13],
      ['## Second', 2, 17],
    ]);
    expect(sut.blocks.map((b) => [b.language, b.line, b.code])).toEqual([
      ['bash', 2, 'echo top'],
      ['bash', 6, '# a comment, not a heading\necho one'],
      ['json', 10, '{"a": 1}'],
      ['bash', 14, 'echo sub'],
      ['', 18, '## inside a bare fence'],
      ['bash', 21, 'echo two'],
    ]);
  });

  it('refuses a fence that is never closed', () => {
    expect(() => parseMarkdown('## A\n```bash\necho\n')).toThrow('line 2 is never closed');
  });
});

describe('sectionOf', () => {
  it.each([
    ['# Title', ['echo top', '# a comment, not a heading\necho one', 'echo sub', 'echo two']],
    ['## First', ['# a comment, not a heading\necho one', 'echo sub']],
    ['### Sub', ['echo sub']],
    ['## Second', ['echo two']],
  ])(
    '%s: its bash blocks up to the next heading of its level or higher, subsections included',
    (heading, code) => {
      const sut = sectionOf(parseMarkdown(DOC), heading);
      expect(sut.blocks.map((b) => b.code)).toEqual(code);
    },
  );

  it('names a heading the document lacks', () => {
    expect(() => sectionOf(parseMarkdown(DOC), '## Third')).toThrow('no heading "## Third"');
  });

  it('gives the text from its heading to the next heading of its level or higher', () => {
    const sut = sectionOf(parseMarkdown(DOC), '### Sub');
    expect(sut.text).toBe('### Sub\n```bash\necho sub\n```');
    expect(sectionOf(parseMarkdown(DOC), '## Second').text).toMatch(/^## Second\n[\s\S]*echo two\n```$/);
  });
});
