import { type SseMessage, SseParser } from './sse-parser.js';

/** Feeds `chunks` one after another and collects every event, as a reader of a network stream would. */
function parseChunks(chunks: readonly string[], sut = new SseParser()): SseMessage[] {
  return [...chunks.flatMap((chunk) => sut.feed(chunk)), ...sut.end()];
}

describe('SseParser', () => {
  it.each([
    ['one event', ['id: 1\nevent: state\ndata: {"a":1}\n\n'], [{ id: '1', event: 'state', data: '{"a":1}' }]],
    ['no event name: "message"', ['data: x\n\n'], [{ id: undefined, event: 'message', data: 'x' }]],
    [
      'data lines joined by newlines',
      ['data: a\ndata: b\ndata\n\n'],
      [{ id: undefined, event: 'message', data: 'a\nb\n' }],
    ],
    ['no space after the colon', ['data:x\nevent:e\n\n'], [{ id: undefined, event: 'e', data: 'x' }]],
    ['only the first space is dropped', ['data:  x\n\n'], [{ id: undefined, event: 'message', data: ' x' }]],
    [
      'comments skipped',
      [': keep-alive\n\n: hi\ndata: x\n\n'],
      [{ id: undefined, event: 'message', data: 'x' }],
    ],
    [
      'an event without data is not dispatched',
      ['event: ping\n\n', 'data: x\n\n'],
      [{ id: undefined, event: 'message', data: 'x' }],
    ],
    ['unknown fields ignored', ['foo: bar\ndata: x\n\n'], [{ id: undefined, event: 'message', data: 'x' }]],
    ['CRLF line ends', ['id: 7\r\ndata: x\r\n\r\n'], [{ id: '7', event: 'message', data: 'x' }]],
    ['CR line ends', ['data: x\r\r'], [{ id: undefined, event: 'message', data: 'x' }]],
    [
      'a CRLF split across chunks',
      ['data: x\r', '\n\r', '\n'],
      [{ id: undefined, event: 'message', data: 'x' }],
    ],
    ['a leading BOM', ['\ufeffdata: x\n\n'], [{ id: undefined, event: 'message', data: 'x' }]],
    [
      'an event cut off by the end of the stream is dropped',
      ['data: x\n\ndata: y\n'],
      [{ id: undefined, event: 'message', data: 'x' }],
    ],
    [
      'chunks split anywhere, even inside field names',
      ['i', 'd: 4', '2\nev', 'ent: lo', 'g\nda', 'ta: {"m":', '"hi"}\n', '\n'],
      [{ id: '42', event: 'log', data: '{"m":"hi"}' }],
    ],
  ])('parses %s', (_case, chunks, expected) => {
    expect(parseChunks(chunks)).toEqual(expected);
  });

  it('keeps the last event id for later events until the server changes it', () => {
    const sut = parseChunks(['id: 3\ndata: a\n\ndata: b\n\nid: 4\ndata: c\n\n']);
    expect(sut.map((message) => message.id)).toEqual(['3', '3', '4']);
  });

  it('starts from a given last event id and ignores ids with NUL', () => {
    const sut = new SseParser('9');
    expect(sut.feed('id: a\0b\ndata: x\n\n')).toEqual([{ id: '9', event: 'message', data: 'x' }]);
  });

  it('reads retry: when it is a whole number', () => {
    const sut = new SseParser();
    sut.feed('retry: 2000\n\nretry: soon\n\n');
    expect(sut.retryMs).toBe(2000);
  });

  it('parses a stream fed one character at a time', () => {
    const text =
      'retry: 10\n\nid: 1\nevent: state\ndata: {"s":"queued"}\n\n: ka\n\nid: 2\nevent: log\ndata: 2\n\n';
    expect(parseChunks([...text]).map((message) => [message.id, message.event, message.data])).toEqual([
      ['1', 'state', '{"s":"queued"}'],
      ['2', 'log', '2'],
    ]);
  });
});
