import { jsonSyntaxErrorAt } from './json-syntax.js';

/** Where JSON.parse says the text breaks, when its message says so. */
function parsePosition(text: string): number | 'valid' | undefined {
  try {
    JSON.parse(text);
    return 'valid';
  } catch (error) {
    const match = /at position (\d+)/.exec((error as Error).message);
    return match ? Number(match[1]) : undefined;
  }
}

describe('jsonSyntaxErrorAt', () => {
  it.each([
    '0',
    '-1.5e+10',
    '"a\\u00e9\\n"',
    ' {"a": [1, {"b": null}, true, false], "c": {}} ',
    '[]',
  ])('finds no error in %s', (text) => {
    expect(parsePosition(text)).toBe('valid');
    expect(jsonSyntaxErrorAt(text)).toBeUndefined();
  });

  it.each([
    ['{"password": "hunter2", x}', 24],
    ['{"a": x"secret"}', 6],
    ['[1, 2', 5],
    ['', 0],
    ['{"a" 1}', 5],
    ['{"a": 1,}', 8],
    ['"tab\there"', 4],
    ['"\\x"', 2],
    ['"\\u12g4"', 5],
    ['01', 1],
    ['1.', 2],
    ['-', 1],
    ['1e+', 3],
    ['tru', 3],
    ['nul!', 3],
    ['[1] 2', 4],
    ['{"a": 1]', 7],
  ])('places the error in %j at %i, as JSON.parse does where it says', (text, at) => {
    const position = parsePosition(text);
    expect(position).not.toBe('valid');
    if (position !== undefined) expect(position).toBe(at);
    expect(jsonSyntaxErrorAt(text)).toBe(at);
  });

  it('scans 100,000 levels of nesting without overflowing the stack', () => {
    const depth = 100_000;
    expect(jsonSyntaxErrorAt('['.repeat(depth) + ']'.repeat(depth))).toBeUndefined();
    expect(jsonSyntaxErrorAt('{"a":'.repeat(depth) + 'x')).toBe(5 * depth);
  });
});
