import { pactBodyJson } from './pact-bodies.js';

describe('pactBodyJson', () => {
  const json = 'application/json';

  it('reads a JSON value as is, and JSON kept as text parsed', () => {
    expect(pactBodyJson({ content: { a: 1 }, contentType: json })).toEqual({ a: 1 });
    expect(pactBodyJson({ content: '{"a":1}', contentType: json, encoded: false })).toEqual({
      a: 1,
    });
    expect(
      pactBodyJson({ content: '{"a":1}', contentType: 'application/hal+json; charset=utf-8' }),
    ).toEqual({ a: 1 });
    expect(pactBodyJson({ content: { a: 1 }, contentType: json, encoded: 'json' })).toEqual({
      a: 1,
    });
  });

  it('decodes base64, and leaves bytes that are not JSON out', () => {
    const base64 = (text: string) => Buffer.from(text).toString('base64');
    expect(pactBodyJson({ content: base64('[1]'), contentType: json, encoded: 'base64' })).toEqual([
      1,
    ]);
    expect(
      pactBodyJson({ content: base64('PNG'), contentType: 'image/png', encoded: 'base64' }),
    ).toBeUndefined();
  });

  it('keeps text that is not JSON, and reads no body from what is none', () => {
    expect(pactBodyJson({ content: 'hello', contentType: 'text/plain' })).toBe('hello');
    expect(pactBodyJson({ content: null, contentType: json })).toBeNull();
    expect(pactBodyJson(null)).toBeUndefined();
    expect(pactBodyJson({ contentType: json })).toBeUndefined();
  });

  it('throws on JSON text that does not parse', () => {
    expect(() => pactBodyJson({ content: '{', contentType: json })).toThrow(SyntaxError);
  });
});
