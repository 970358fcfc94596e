import { jsonTextIssues, textIssue } from './json-guard.js';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('textIssue', () => {
  it('passes text Postgres keeps as it is, surrogate pairs included', () => {
    expect(textIssue('')).toBeUndefined();
    expect(textIssue('plain, ünïcode and 😀')).toBeUndefined();
  });

  it.each([
    ['NUL', 'a\u0000b', /NUL/],
    ['a lone high surrogate', 'a\ud800b', /lone surrogate/],
    ['a lone low surrogate', '\udc00', /lone surrogate/],
    ['a swapped pair', '\ude00\ud83d', /lone surrogate/],
  ])('refuses %s', (_what, text, message) => {
    expect(textIssue(text)).toMatch(message);
  });
});

describe('jsonTextIssues', () => {
  const limits = { maxDepth: 64 };

  it('finds nothing in an ordinary document', () => {
    expect(jsonTextIssues({ title: 'x', metadata: { a: [1, null, true, 'ok'] } }, limits)).toEqual(
      [],
    );
    expect(jsonTextIssues('plain', limits)).toEqual([]);
    expect(jsonTextIssues(undefined, limits)).toEqual([]);
  });

  it('names each bad string by its JSON Pointer, in document order', () => {
    const issues = jsonTextIssues(
      { title: 'a\u0000', metadata: { a: 'b\ud800', list: ['ok', '\u0000'] } },
      limits,
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      '/title',
      '/metadata/a',
      '/metadata/list/1',
    ]);
    expect(issues[0]!.message).toMatch(/NUL/);
    expect(issues[1]!.message).toMatch(/lone surrogate/);
  });

  it('reports a bad key at its object, never quoting it, and does not walk its value', () => {
    const issues = jsonTextIssues({ metadata: { 'a\u0000': { deeper: '\u0000' } } }, limits);
    expect(issues).toEqual([
      {
        path: '/metadata',
        message: 'has a key that contains NUL (U+0000), which cannot be stored',
      },
    ]);
    expect(jsonTextIssues({ '\ud800': 1 }, limits)[0]!.path).toBe('/');
  });

  it('escapes ~ and / in pointers and puts them under `at`', () => {
    expect(jsonTextIssues({ 'a/b': { '~c': '\u0000' } }, limits)[0]!.path).toBe('/a~1b/~0c');
    expect(jsonTextIssues(['\u0000'], { ...limits, at: '/contracts/0/content' })[0]!.path).toBe(
      '/contracts/0/content/0',
    );
  });

  it('accepts nesting up to maxDepth and refuses one level more, at the container too deep', () => {
    expect(jsonTextIssues(nested(64), limits)).toEqual([]);
    expect(jsonTextIssues(nested(65), limits)).toEqual([
      {
        path: `/${Array(64).fill('0').join('/')}`,
        message: 'nests deeper than 64 levels of arrays and objects',
      },
    ]);
    expect(jsonTextIssues({ a: { b: {} } }, { maxDepth: 2 })).toEqual([
      { path: '/a/b', message: 'nests deeper than 2 levels of arrays and objects' },
    ]);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    const deep = nested(100_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(jsonTextIssues(deep, limits)).toHaveLength(1);
    expect(jsonTextIssues(deep, { maxDepth: Infinity })).toEqual([]);
  });

  it('stops at 20 issues and keeps paths within 1024 characters', () => {
    expect(jsonTextIssues(Array(1000).fill('\u0000'), limits)).toHaveLength(20);
    const long = 'k'.repeat(2000);
    const [issue] = jsonTextIssues({ [long]: '\u0000' }, limits);
    expect(issue!.path).toHaveLength(1024);
  });
});
