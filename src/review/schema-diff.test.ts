import { MeshpactError } from '../errors/meshpact-error.js';
import { diffSchemas, type Direction, type JsonSchema, type SchemaChange } from './schema-diff.js';

/** The changes as `path kind breaking?`, which reads like the review it feeds. */
const review = (before: JsonSchema, after: JsonSchema, direction: Direction, files = {}) =>
  diffSchemas(before, after, {
    direction,
    resolve: (ref, side) => (files as Record<string, Record<string, JsonSchema>>)[side]![ref]!,
  }).map((c: SchemaChange) => `${c.path} ${c.kind} ${c.breaking ? 'breaking' : 'safe'}`);

const token = {
  type: 'object',
  additionalProperties: false,
  required: ['access_token', 'token_type'],
  properties: {
    access_token: { type: 'string', minLength: 1 },
    token_type: { enum: ['Bearer'] },
    scope: { type: 'string' },
  },
};

describe('diffSchemas', () => {
  it('finds no change between a schema and itself', () => {
    expect(review(token, token, 'produced')).toEqual([]);
  });

  describe('in what a service produces (responses, server frames)', () => {
    it('breaks readers when a field is removed, made optional or nullable', () => {
      const after = {
        ...token,
        required: ['token_type'],
        properties: {
          access_token: { type: ['string', 'null'], minLength: 1 },
          token_type: { enum: ['Bearer'] },
        },
      };
      expect(review(token, after, 'produced')).toEqual([
        '/access_token field-now-optional breaking',
        '/access_token type-widened breaking',
        '/scope field-removed breaking',
      ]);
    });

    it('breaks readers when an enum, a format or a bound loosens, or unknown members appear', () => {
      const before = {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { enum: ['queued', 'running'] },
          id: { type: 'string', format: 'uuid' },
          title: { type: 'string', maxLength: 200 },
        },
      };
      const after = {
        type: 'object',
        properties: {
          status: { enum: ['queued', 'running', 'paused'] },
          id: { type: 'string' },
          title: { type: 'string', maxLength: 400 },
        },
      };
      expect(review(before, after, 'produced')).toEqual([
        '/status enum-widened breaking',
        '/id format-loosened breaking',
        '/title bound-loosened breaking',
        '/ extra-fields-allowed breaking',
      ]);
    });

    it('is safe when a field is added or a value space narrows', () => {
      const after = {
        ...token,
        properties: {
          ...token.properties,
          scope: { type: 'string', maxLength: 100 },
          expires_in: { type: 'integer' },
        },
      };
      expect(review(token, after, 'produced')).toEqual([
        '/scope bound-tightened safe',
        '/expires_in field-added safe',
      ]);
    });
  });

  describe('in what a service accepts (requests, client frames)', () => {
    it('breaks writers when a required field is added, a bound tightens or an enum narrows', () => {
      const before = {
        type: 'object',
        properties: { title: { type: 'string', maxLength: 200 }, kind: { enum: ['a', 'b'] } },
      };
      const after = {
        type: 'object',
        required: ['agent_name'],
        properties: {
          title: { type: 'string', maxLength: 100 },
          kind: { enum: ['a'] },
          agent_name: { type: 'string' },
        },
      };
      expect(review(before, after, 'accepted')).toEqual([
        '/title bound-tightened breaking',
        '/kind enum-narrowed breaking',
        '/agent_name field-now-required breaking',
      ]);
    });

    it('breaks writers when a field they may send is removed, and unknown members are refused', () => {
      const before = { type: 'object', properties: { title: { type: 'string' } } };
      const after = { type: 'object', additionalProperties: false, properties: {} };
      expect(review(before, after, 'accepted')).toEqual([
        '/title field-removed breaking',
        '/ extra-fields-refused breaking',
      ]);
    });

    it('is safe when it loosens: an optional field, a wider type, a looser bound', () => {
      const before = { type: 'object', properties: { n: { type: 'integer', maximum: 10 } } };
      const after = {
        type: 'object',
        properties: { n: { type: 'number' }, note: { type: 'string' } },
      };
      expect(review(before, after, 'accepted')).toEqual([
        '/n type-widened safe',
        '/n bound-loosened safe',
        '/note field-added safe',
      ]);
    });
  });

  it('names members inside arrays and maps by where they sit in an instance', () => {
    const page = (item: object) => ({
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: item } },
        metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 10 } },
      },
    });
    const before = page({ title: { type: 'string' }, 'a/b': { type: 'string' } });
    const after = { ...page({}), properties: { ...page({}).properties } };
    (after.properties.metadata as { additionalProperties: object }).additionalProperties = {
      type: 'string',
    };
    expect(review(before, after, 'produced')).toEqual([
      '/items/[]/title field-removed breaking',
      '/items/[]/a~1b field-removed breaking',
      '/metadata/* bound-loosened breaking',
    ]);
  });

  it('follows $ref chains across files on each side, and stops at a cycle', () => {
    const files = {
      before: {
        'thread.json': { $ref: 'uuid-alias.json' },
        'uuid-alias.json': { $ref: 'uuid.json' },
        'uuid.json': { type: 'string', format: 'uuid' },
        'node.json': {
          type: 'object',
          properties: { child: { $ref: 'node.json' }, name: { type: 'string' } },
        },
      },
      after: {
        'thread.json': { $ref: 'uuid-alias.json' },
        'uuid-alias.json': { $ref: 'uuid.json' },
        'uuid.json': { type: 'string' },
        'node.json': {
          type: 'object',
          properties: { child: { $ref: 'node.json' }, name: { type: 'integer' } },
        },
      },
    };
    const schema = {
      type: 'object',
      properties: { id: { $ref: 'thread.json' }, tree: { $ref: 'node.json' } },
    };
    expect(review(schema, schema, 'produced', files)).toEqual([
      '/id format-loosened breaking',
      // Where the tree recurs, the same change is not listed again.
      '/tree/name type-changed breaking',
    ]);
  });

  it('compares oneOf variants by their $ref, and allOf parts in place', () => {
    const before = {
      oneOf: [{ $ref: 'started.json' }, { $ref: 'completed.json' }],
      allOf: [{ type: 'object', required: ['seq'] }],
    };
    const after = {
      oneOf: [{ $ref: 'started.json' }, { $ref: 'paused.json' }, { $ref: 'completed.json' }],
      allOf: [{ type: 'object' }],
    };
    const same = { type: 'object' };
    const files = {
      before: { 'started.json': same, 'completed.json': same },
      after: { 'started.json': same, 'paused.json': same, 'completed.json': same },
    };
    expect(review(before, after, 'produced', files)).toEqual([
      '/seq field-now-optional breaking',
      '/ variant-added breaking',
    ]);
    expect(review(before, after, 'accepted', files)).toEqual([
      '/seq field-now-optional safe',
      '/ variant-added safe',
    ]);
  });

  describe('when allOf parts can be merged', () => {
    const files = {
      before: {
        'base.json': { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      },
      after: {},
    };
    const extended = {
      allOf: [
        { $ref: 'base.json' },
        { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      ],
    };

    it('finds no change when a base schema is inlined into its extension', () => {
      const inlined = {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      };
      expect(review(extended, inlined, 'produced', files)).toEqual([]);
      expect(review(inlined, extended, 'accepted', { before: {}, after: files.before })).toEqual(
        [],
      );
    });

    it('finds what the inlining changed, and a member both parts constrain meets both', () => {
      const inlined = {
        type: 'object',
        required: ['name'],
        properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
      };
      const narrowed = {
        allOf: [...extended.allOf, { properties: { id: { format: 'uuid' } } }],
      };
      expect(review(extended, inlined, 'produced', files)).toEqual([
        '/id field-now-optional breaking',
        '/id format-tightened safe',
      ]);
      expect(review(narrowed, inlined, 'produced', files)).toEqual([
        '/id field-now-optional breaking',
      ]);
    });
  });

  describe('when refs are shared by many paths', () => {
    // 22 levels, each reaching the next by two members: the last by 2^22 paths.
    const levels = 22;
    const tree = (leaf: JsonSchema) =>
      Object.fromEntries([
        ...Array.from({ length: levels }, (_, i) => [
          `level${i}.json`,
          {
            type: 'object',
            properties: {
              left: { $ref: `level${i + 1}.json` },
              right: { $ref: `level${i + 1}.json` },
            },
          },
        ]),
        [`level${levels}.json`, leaf],
      ]) as Record<string, JsonSchema>;
    const changes = (leafAfter: JsonSchema) => {
      const files = { before: tree({ type: 'string', maxLength: 10 }), after: tree(leafAfter) };
      return diffSchemas(
        { $ref: 'level0.json' },
        { $ref: 'level0.json' },
        {
          direction: 'produced',
          resolve: (ref, side) => files[side][ref]!,
        },
      );
    };

    it('compares each once, and lists a change below at its first paths, the rest summed up where they meet', () => {
      const found = changes({ type: 'string' });
      const listed = found.slice(0, -1);
      expect(listed).toHaveLength(99);
      expect(listed.every((c) => c.kind === 'bound-loosened' && c.breaking)).toBe(true);
      expect(listed[0]?.path).toBe(`/${Array(levels).fill('left').join('/')}`);
      expect(found.at(-1)).toEqual({
        path: '/',
        kind: 'constraint-removed',
        breaking: true,
        detail: `maxLength 10 → none (at ${2 ** levels - 99} paths under /)`,
      });
    });

    it('compares again refs whose recursion was cut short where they were met first', () => {
      const node = (y: string, x: string) => ({
        a: {
          type: 'object',
          properties: { b: { $ref: 'b.json' }, y: { type: y } },
        },
        b: {
          type: 'object',
          properties: { a: { $ref: 'a.json' }, x: { type: x } },
        },
      });
      const [was, is] = [node('string', 'string'), node('integer', 'integer')];
      const files = {
        before: { 'a.json': was.a, 'b.json': was.b },
        after: { 'a.json': is.a, 'b.json': is.b },
      };
      const schema = {
        type: 'object',
        properties: { viaA: { $ref: 'a.json' }, viaB: { $ref: 'b.json' } },
      };
      expect(review(schema, schema, 'produced', files)).toEqual([
        '/viaA/b/x type-changed breaking',
        '/viaA/y type-changed breaking',
        '/viaB/a/b/x type-changed breaking',
        '/viaB/a/y type-changed breaking',
        '/viaB/x type-changed breaking',
      ]);
    });

    it('finds no change where there is none', () => {
      expect(changes({ type: 'string', maxLength: 10 })).toEqual([]);
    });
  });

  it('refuses, as bad usage, a schema nested deeper than any written by hand', () => {
    let deep: JsonSchema = { type: 'string' };
    for (let i = 0; i < 5000; i++) deep = { type: 'object', properties: { a: deep } };
    const refusal = (() => {
      try {
        diffSchemas(deep, deep, { direction: 'produced' });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(MeshpactError);
    expect((refusal as MeshpactError).code).toBe('invalid_usage');
  });
});
