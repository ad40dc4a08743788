import {
  type AuthFailureReason,
  authFailureFields,
  authMethodOf,
  type RefusedRequest,
} from './auth-failure.js';

const request = (authorization?: string, originalUrl = '/v1/jobs'): RefusedRequest => ({
  method: 'POST',
  originalUrl,
  ip: '10.0.0.7',
  headers: authorization === undefined ? {} : { authorization },
});

describe('authMethodOf', () => {
  it.each<[string, string | undefined, ReturnType<typeof authMethodOf>]>([
    ['no header', undefined, 'none'],
    ['an empty header', '  ', 'none'],
    ['a bearer key', 'Bearer ct_secret', 'bearer'],
    ['a bearer key in lower case', 'bearer ct_secret', 'bearer'],
    ['HTTP Basic', 'Basic YWRtaW46Y3Rfc2VjcmV0', 'basic'],
    ['anything else', 'ct_secret', 'other'],
  ])('names %s', (_case, header, expected) => {
    expect(authMethodOf(header)).toBe(expected);
  });
});

describe('authFailureFields', () => {
  it.each<[AuthFailureReason, string | undefined]>([
    ['missing_key', undefined],
    ['invalid_key', 'Bearer ct_secret-key-material'],
    ['insufficient_role', 'Basic Y3Rfc2VjcmV0LWtleS1tYXRlcmlhbA=='],
  ])('tells of a %s refusal without any key material', (reason, header) => {
    const sut = authFailureFields(request(header, '/admin/queues/api?token=ct_secret'), reason);

    expect(sut).toMatchObject({
      reason,
      httpMethod: 'POST',
      path: '/admin/queues/api',
      remoteAddress: '10.0.0.7',
    });
    expect(JSON.stringify(sut)).not.toMatch(/secret|Y3Rf|YWRt/);
  });

  it('takes the socket address when Express knows no ip, and adds what the caller gives', () => {
    const sut = authFailureFields(
      { ...request(), ip: undefined, socket: { remoteAddress: '::1' } },
      'insufficient_role',
      { role: 'viewer', needed: 'admin' },
    );

    expect(sut).toEqual({
      reason: 'insufficient_role',
      method: 'none',
      httpMethod: 'POST',
      path: '/v1/jobs',
      remoteAddress: '::1',
      role: 'viewer',
      needed: 'admin',
    });
  });
});
