import type { StoredJobEvent } from '@ct/db';
import { jobEventSchema } from '@ct/shared';
import { sseEvent } from './sse-format.js';

describe('sseEvent', () => {
  it('writes id, event and the shared JobEvent as data, ending with a blank line', () => {
    const event: StoredJobEvent = {
      id: '42',
      type: 'state',
      jobId: '7f1c1a2e-3b4d-4c5e-8f60-718293a4b5c6',
      attempt: 0,
      at: '2026-01-02T03:04:05.006Z',
      state: 'cancelled',
      failureReason: 'cancelled',
      message: 'line one\nline two',
    };
    const sut = sseEvent(event);
    const lines = sut.split('\n');
    expect(lines.slice(0, 2)).toEqual(['id: 42', 'event: state']);
    expect(sut.endsWith('\n\n')).toBe(true);
    expect(lines).toHaveLength(5);
    const data = JSON.parse(lines[2]?.replace(/^data: /, '') ?? '');
    expect(jobEventSchema.parse(data)).toEqual(data);
    expect(data).not.toHaveProperty('id');
  });
});
