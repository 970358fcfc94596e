import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';
import { diffSchemas } from './schema-diff.js';
import {
  checkGitRef,
  refResolver,
  schemaSetOf,
  schemasAtRef,
  schemasInTree,
} from './schema-set.js';

/** A git repository made for the test: `main` holds the first schemas, the tree the second. */
function repository(files: Record<string, unknown>) {
  const root = mkdtempSync(join(tmpdir(), 'meshpact-review-'));
  const write = (tree: Record<string, unknown>) => {
    for (const [path, content] of Object.entries(tree)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), JSON.stringify(content));
    }
  };
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root });
  git('init', '-q', '-b', 'main');
  write(files);
  git('add', '-A');
  git('commit', '-qm', 'schemas');
  return { root, git, write, remove: () => rmSync(root, { recursive: true, force: true }) };
}

describe('schema sets', () => {
  const thread = {
    type: 'object',
    properties: {
      id: { $ref: '../common/uuid.json' },
      metadata: { $ref: '#/$defs/Metadata' },
    },
    $defs: { Metadata: { type: 'object', maxProperties: 32 } },
  };

  it("reads a ref's schemas without checking it out, and resolves refs across files on each side", () => {
    const repo = repository({
      'schemas/backend/thread.json': thread,
      'schemas/common/uuid.json': { type: 'string', format: 'uuid' },
    });
    try {
      repo.write({
        'schemas/common/uuid.json': { type: 'string' },
        'schemas/backend/thread.json': {
          ...thread,
          $defs: { Metadata: { type: 'object', maxProperties: 64 } },
        },
      });
      const before = schemasAtRef(repo.root, 'main');
      const after = schemasInTree(repo.root);
      expect([...before.keys()].sort()).toEqual(['backend/thread.json', 'common/uuid.json']);
      const changes = diffSchemas(
        before.get('backend/thread.json')!,
        after.get('backend/thread.json')!,
        {
          direction: 'produced',
          resolve: refResolver(before, after),
        },
      );
      expect(changes.map((c) => `${c.path} ${c.detail}`)).toEqual([
        '/id format uuid → none',
        '/metadata maxProperties 32 → 64',
      ]);
    } finally {
      repo.remove();
    }
  });

  it('reads files whose names git would quote (accents, quotes) at the base', () => {
    const repo = repository({
      'schemas/thíng.json': { type: 'string' },
      'schemas/a"b.json': { type: 'integer' },
    });
    try {
      expect([...schemasAtRef(repo.root, 'main').keys()].sort()).toEqual([
        'a"b.json',
        'thíng.json',
      ]);
    } finally {
      repo.remove();
    }
  });

  it('names the commit a ref resolves to, so a review reads one commit', () => {
    const repo = repository({ 'schemas/a.json': {} });
    try {
      const head = repo.git('rev-parse', 'HEAD').toString().trim();
      expect(checkGitRef(repo.root, 'main')).toBe(head);
    } finally {
      repo.remove();
    }
  });

  it('refuses an unknown ref, and one git would read as an option, with one plain line', () => {
    const repo = repository({ 'schemas/a.json': {} });
    try {
      for (const ref of ['no-such-branch', '--output=/tmp/x'])
        expect(() => schemasAtRef(repo.root, ref)).toThrow(MeshpactError);
      expect(() => schemasAtRef(repo.root, 'no-such-branch')).toThrow(
        `unknown git ref "no-such-branch" in ${repo.root}`,
      );
      const refusal = (() => {
        try {
          checkGitRef(repo.root, 'main\nsecond line');
        } catch (error) {
          return error as MeshpactError;
        }
      })();
      expect(refusal?.code).toBe('invalid_usage');
      expect(refusal?.message).not.toMatch(/\n/);
    } finally {
      repo.remove();
    }
  });

  describe('refResolver', () => {
    const before = schemaSetOf({
      'thread.json': { $defs: { 'a/b': { type: 'string' }, ü: { type: 'integer' } } },
      'gone.json': { type: 'string' },
    });
    const after = schemaSetOf({ 'thread.json': { $defs: {} }, 'new.json': { type: 'string' } });
    const resolve = refResolver(before, after);
    const refusal = (ref: string, side: 'before' | 'after') => {
      try {
        resolve(ref, side);
      } catch (error) {
        return { code: (error as MeshpactError).code, message: (error as Error).message };
      }
    };

    it('follows JSON pointers, escapes decoded', () => {
      expect(resolve('thread.json#/$defs/a~1b', 'before')).toEqual({ type: 'string' });
      expect(resolve('thread.json#/$defs/%C3%BC', 'before')).toEqual({ type: 'integer' });
    });

    it('reads a file on one side only as the empty schema: it was added or removed', () => {
      expect(resolve('gone.json', 'after')).toBe(true);
      expect(resolve('new.json', 'before')).toBe(true);
      expect(resolve('https://example.com/other.json', 'after')).toBe(true);
    });

    it('refuses a pointer to nothing in a file that is there, an anchor and a malformed escape', () => {
      expect(refusal('thread.json#/$defs/a~1b', 'after')).toEqual({
        code: 'invalid_usage',
        message:
          '$ref "thread.json#/$defs/a~1b": schemas/thread.json has nothing at its pointer (after the change)',
      });
      expect(refusal('thread.json#/$defs/constructor', 'before')?.code).toBe('invalid_usage');
      expect(refusal('thread.json#Metadata', 'before')?.code).toBe('invalid_usage');
      expect(refusal('thread.json#/$defs/%zz', 'before')).toEqual({
        code: 'invalid_usage',
        message: '$ref "thread.json#/$defs/%zz" has a malformed %-escape',
      });
    });
  });

  describe('schemaSetOf', () => {
    it('keeps a member named __proto__ a member', () => {
      const file: unknown = JSON.parse('{"properties": {"__proto__": {"type": "string"}}}');
      const set = schemaSetOf({ 'a.json': file });
      expect(set.get('a.json')).toEqual(file);
      expect(Object.keys((set.get('a.json') as { properties: object }).properties)).toEqual([
        '__proto__',
      ]);
    });

    it('refuses, as bad usage, a file nested deeper than any written by hand', () => {
      let deep: unknown = { type: 'string' };
      for (let i = 0; i < 5000; i++) deep = { type: 'object', properties: { a: deep } };
      const refusal = (() => {
        try {
          schemaSetOf({ 'deep.json': deep });
        } catch (error) {
          return error as MeshpactError;
        }
      })();
      expect(refusal).toBeInstanceOf(MeshpactError);
      expect(refusal?.message).toBe('schemas/deep.json nests deeper than 1000 levels');
    });
  });
});
