import { interactionsOf } from './pact-reading.js';

const json = (content: unknown) => ({ content, contentType: 'application/json' });
const http = (description: string, request: object, response: object) => ({
  type: 'Synchronous/HTTP',
  description,
  request,
  response,
});

describe('interactionsOf', () => {
  it('reads V3 HTTP bodies as they are, and V3 message pacts as messages received', () => {
    const [request] = interactionsOf({
      interactions: [
        {
          description: 'v3',
          request: { method: 'get', path: '/x', body: { a: 1 } },
          response: { status: 201, body: { b: 2 } },
        },
      ],
    });
    expect(request?.http).toEqual({
      method: 'GET',
      path: '/x',
      query: {},
      headers: {},
      status: 201,
      requestBody: { a: 1 },
      responseBody: { b: 2 },
    });
    const [message] = interactionsOf({
      messages: [{ description: 'm', contents: { type: 'pong' } }],
    });
    expect(message?.received).toEqual([{ type: 'pong' }]);
  });

  it('reads a V3 message with a content member as it is, not as a V4 body', () => {
    const [message] = interactionsOf({
      messages: [{ description: 'chat', contents: { type: 'chat', content: 'hello' } }],
    });
    expect(message?.received).toEqual([{ type: 'chat', content: 'hello' }]);
  });

  it('decodes a base64 JSON body, parses JSON kept as text, and leaves out one that is not JSON', () => {
    const encoded = (text: string) => ({
      content: Buffer.from(text).toString('base64'),
      contentType: 'application/json',
      encoded: 'base64',
    });
    const [good, text, bad] = interactionsOf({
      interactions: [
        http('good', { method: 'POST', path: '/', body: encoded('{"a":1}') }, { status: 200 }),
        http(
          'text',
          { method: 'POST', path: '/' },
          { status: 200, body: { ...json('{"b":2}'), encoded: false } },
        ),
        http('bad', { method: 'POST', path: '/', body: encoded('{') }, { status: 200 }),
      ],
    });
    expect(good?.http?.requestBody).toEqual({ a: 1 });
    expect(text?.http?.responseBody).toEqual({ b: 2 });
    expect(bad?.http?.requestBody).toBeUndefined();
  });

  it('reads the query of every version and the headers by lower-case name', () => {
    const [v2, v4] = interactionsOf({
      interactions: [
        {
          description: 'v2',
          request: { method: 'GET', path: '/x?from=path', query: 'a=1&b=2&b=3' },
          response: { status: 200 },
        },
        http(
          'v4',
          {
            method: 'GET',
            path: '/x',
            query: { a: ['1'], b: ['2', '3'] },
            headers: { 'Idempotency-Key': ['k'] },
          },
          { status: 200 },
        ),
      ],
    });
    expect(v2?.http?.query).toEqual({ from: 'path', a: '1', b: ['2', '3'] });
    expect(v4?.http?.query).toEqual({ a: '1', b: ['2', '3'] });
    expect(v4?.http?.headers).toEqual({ 'idempotency-key': 'k' });
  });

  it('reads what a broker may hold without throwing: null bodies, contents and pacts', () => {
    expect(interactionsOf(null)).toEqual([]);
    expect(interactionsOf({ interactions: null, messages: [null] })).toEqual([]);
    const [nullBody, nullContents] = interactionsOf({
      interactions: [
        http(
          'null body',
          { method: 'GET', path: '/', body: null },
          { status: 200, body: json(null) },
        ),
        { type: 'Asynchronous/Messages', description: 'null contents', contents: null },
      ],
    });
    expect(nullBody?.http?.requestBody).toBeUndefined();
    expect(nullBody?.http?.responseBody).toBeNull();
    expect(nullContents?.received).toEqual([]);
  });
});
