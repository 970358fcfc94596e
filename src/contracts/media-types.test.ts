import { contentSchema, isJsonMediaType } from './media-types.js';

describe('isJsonMediaType', () => {
  it('takes every */json and */*+json essence, with parameters', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/problem+json',
      'application/vnd.api+json;version=2',
      'text/json',
      'Application/JSON',
    ])
      expect(isJsonMediaType(type)).toBe(true);
    for (const type of ['text/plain', 'application/x-ndjson', 'application/jsonl', '*/*'])
      expect(isJsonMediaType(type)).toBe(false);
  });
});

describe('contentSchema', () => {
  it('reads the JSON media type first, else the first one with a schema', () => {
    expect(
      contentSchema({
        'text/plain': { schema: { type: 'string' } },
        'application/json; charset=utf-8': { schema: { type: 'object' } },
      }),
    ).toEqual({ type: 'object' });
    expect(
      contentSchema({
        'application/octet-stream': {},
        'multipart/form-data': { schema: { type: 'object' } },
      }),
    ).toEqual({ type: 'object' });
    expect(contentSchema({ 'application/json': {} })).toBeUndefined();
    expect(contentSchema(undefined)).toBeUndefined();
  });
});
