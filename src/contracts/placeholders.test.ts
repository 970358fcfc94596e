import { fillPlaceholders, placeholdersOf } from './placeholders.js';

const values: Record<string, string> = {
  port: '4001',
  url: 'http://127.0.0.1:4001',
  'auth-service.url': 'http://127.0.0.1:4002',
  'secret:introspection': 's3cr3t',
};
const lookup = (name: string) => values[name];

describe('placeholdersOf', () => {
  it('lists each placeholder with where it starts', () => {
    expect(placeholdersOf('backend-api:{secret:introspection} on {port}')).toEqual([
      { name: 'secret:introspection', index: 12 },
      { name: 'port', index: 38 },
    ]);
  });

  it('when braces are doubled, sees literal braces, not placeholders', () => {
    expect(placeholdersOf('{{"port": {port}}}')).toEqual([{ name: 'port', index: 10 }]);
    expect(placeholdersOf('{{url}}')).toEqual([]);
  });

  it('when braces hold JSON, sees a placeholder (the manifest calls it unknown)', () => {
    expect(placeholdersOf('{"a": 1}')).toEqual([{ name: '"a": 1', index: 0 }]);
  });

  it('when a brace is alone, throws saying how to write one', () => {
    expect(() => placeholdersOf('{"a": 1}}')).toThrow('a lone "}" at 8');
    expect(() => placeholdersOf('a } b')).toThrow('write "}}" for a brace');
    expect(() => placeholdersOf('{port')).toThrow('a lone "{" at 0');
  });
});

describe('fillPlaceholders', () => {
  it('fills every placeholder and makes doubled braces single', () => {
    expect(fillPlaceholders('AUTH={auth-service.url} self={url} {{"port": {port}}}', lookup)).toBe(
      'AUTH=http://127.0.0.1:4002 self=http://127.0.0.1:4001 {"port": 4001}',
    );
  });

  it('fills the same placeholder the same everywhere', () => {
    expect(fillPlaceholders('{secret:introspection}/{secret:introspection}', lookup)).toBe(
      's3cr3t/s3cr3t',
    );
  });

  it('when a placeholder is unknown, throws naming it', () => {
    expect(() => fillPlaceholders('{port} {nope}', lookup)).toThrow('unknown placeholder {nope}');
  });

  it('when a brace is alone, throws before filling', () => {
    expect(() => fillPlaceholders('{port} }', lookup)).toThrow('a lone "}"');
  });
});
