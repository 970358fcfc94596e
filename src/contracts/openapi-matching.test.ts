import {
  pathParameters,
  serverBasePaths,
  statusKeyFor,
  templateFor,
  templateKey,
} from './openapi-matching.js';

describe('templateFor', () => {
  it('picks the most literal template, whatever their order', () => {
    expect(templateFor(['/a/{id}', '/a/b'], '/a/b?x=1')).toBe('/a/b');
    expect(templateFor(['/a/{id}', '/a/b'], '/a/c')).toBe('/a/{id}');
    expect(templateFor(['/a/{id}'], '/a/b/c')).toBeUndefined();
  });

  it('matches under the base paths of the servers only', () => {
    expect(templateFor(['/items/{id}'], '/v1/items/1', ['/v1'])).toBe('/items/{id}');
    expect(templateFor(['/items/{id}'], '/items/1', ['/v1'])).toBeUndefined();
    expect(templateFor(['/items'], '/v2/items', ['/{version}'])).toBe('/items');
  });
});

describe('serverBasePaths', () => {
  it('reads the path of each server URL, absolute or not', () => {
    expect(serverBasePaths(undefined)).toEqual(['']);
    expect(
      serverBasePaths([
        { url: 'https://x.example/v1/' },
        { url: '/v1' },
        { url: 'http://127.0.0.1:{port}' },
        { url: '{scheme}://{host}/api/{version}' },
      ]),
    ).toEqual(['/v1', '', '/api/{version}']);
  });
});

describe('pathParameters', () => {
  it("gives the template's parameters the values of the path, after a base path's own", () => {
    expect(
      pathParameters('/items/{id}/parts/{part}', '/v3/items/a%20b/parts/2?x', ['/{v}']),
    ).toEqual({ id: 'a b', part: '2' });
    expect(pathParameters('/items/{id}', '/other/1')).toBeUndefined();
  });
});

describe('templateKey and statusKeyFor', () => {
  it('takes templates that differ by parameter names for one path', () => {
    expect(templateKey('/items/{id}/x')).toBe(templateKey('/items/{itemId}/x'));
  });

  it('answers a status by itself, its range, then default', () => {
    expect(statusKeyFor(['200', '4XX', 'default'], 404)).toBe('4XX');
    expect(statusKeyFor(['200', '4xx'], 404)).toBe('4xx');
    expect(statusKeyFor(['200', 'default'], 500)).toBe('default');
    expect(statusKeyFor(['200'], 500)).toBeUndefined();
  });
});
