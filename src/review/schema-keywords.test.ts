import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { diffSchemas, type Direction, type JsonSchema } from './schema-diff.js';

/** The changes as `path kind breaking?`; `files` are what refs resolve to on each side. */
const review = (
  before: JsonSchema,
  after: JsonSchema,
  direction: Direction,
  files: Record<'before' | 'after', Record<string, JsonSchema>> = { before: {}, after: {} },
) =>
  diffSchemas(before, after, { direction, resolve: (ref, side) => files[side][ref] ?? true }).map(
    (c) => `${c.path} ${c.kind} ${c.breaking ? 'breaking' : 'safe'}`,
  );

const details = (before: JsonSchema, after: JsonSchema) =>
  diffSchemas(before, after, { direction: 'produced' }).map((c) => `${c.kind}: ${c.detail}`);

describe('schema keywords', () => {
  describe('when a keyword without a rule of its own changes', () => {
    it.each([
      ['multipleOf', { multipleOf: 5 }, { multipleOf: 10 }, 'constraint-changed'],
      ['uniqueItems', {}, { uniqueItems: true }, 'constraint-added'],
      ['prefixItems', { prefixItems: [{ type: 'string' }] }, {}, 'constraint-removed'],
      ['patternProperties', {}, { patternProperties: { '^x-': {} } }, 'constraint-added'],
      ['propertyNames', { propertyNames: { maxLength: 3 } }, {}, 'constraint-removed'],
      ['not', { not: { required: ['a'] } }, { not: { required: ['b'] } }, 'constraint-changed'],
      ['dependentRequired', {}, { dependentRequired: { a: ['b'] } }, 'constraint-added'],
      [
        'dependentSchemas',
        { dependentSchemas: { a: { required: ['b'] } } },
        {},
        'constraint-removed',
      ],
      ['if', { if: { required: ['a'] }, then: { required: ['b'] } }, {}, 'constraint-removed'],
      ['contentEncoding', {}, { contentEncoding: 'base64' }, 'constraint-added'],
      ['contentMediaType', { contentMediaType: 'text/csv' }, {}, 'constraint-removed'],
      ['contains', {}, { contains: { const: 1 }, minContains: 2 }, 'constraint-added'],
    ])('reports %s as a constraint added, removed or changed', (keyword, before, after, kind) => {
      const changes = details(before, after);
      expect(changes[0]).toMatch(new RegExp(`^${kind}: ${keyword} `));
      expect(changes.every((c) => c.startsWith(kind))).toBe(true);
    });

    it('judges one added as tightening, one removed as loosening, one changed both ways', () => {
      const [none, some, other] = [{}, { multipleOf: 2 }, { multipleOf: 3 }];
      expect(review(none, some, 'accepted')).toEqual(['/ constraint-added breaking']);
      expect(review(none, some, 'produced')).toEqual(['/ constraint-added safe']);
      expect(review(some, none, 'produced')).toEqual(['/ constraint-removed breaking']);
      expect(review(some, none, 'accepted')).toEqual(['/ constraint-removed safe']);
      expect(review(some, other, 'accepted')).toEqual(['/ constraint-changed breaking']);
    });

    it('compares the subschemas in it through their refs, and not by their annotations', () => {
      const files = { before: { 'a.json': { required: ['x'] } }, after: { 'a.json': {} } };
      expect(
        review({ not: { $ref: 'a.json' } }, { not: { $ref: 'a.json' } }, 'produced', files),
      ).toEqual(['/ constraint-changed breaking']);
      expect(
        review(
          { not: { title: 'A', required: ['x'] } },
          { not: { title: 'B', required: ['x'] } },
          'produced',
        ),
      ).toEqual([]);
    });
  });

  it('ignores annotations', () => {
    const annotated = (text: string) => ({
      type: 'string',
      title: text,
      description: text,
      examples: [text],
      example: text,
      default: text,
      $comment: text,
      $id: text,
      $schema: text,
      $anchor: text,
      $defs: { [text]: {} },
      deprecated: text === 'a',
      readOnly: text === 'a',
      writeOnly: text === 'a',
      'x-internal': text,
      discriminator: { propertyName: text },
      externalDocs: { url: text },
      xml: { name: text },
    });
    expect(review(annotated('a'), annotated('b'), 'produced')).toEqual([]);
  });

  it('reads a pattern as a format: loosened in a response breaks its readers', () => {
    const timestamp = JSON.parse(
      readFileSync(join(packageRoot(), 'schemas/common/timestamp.json'), 'utf8'),
    ) as Record<string, unknown>;
    const { pattern, ...looser } = timestamp;
    expect(review(timestamp, looser, 'produced')).toEqual(['/ format-loosened breaking']);
    expect(details(timestamp, { ...timestamp, pattern: '^.+Z$' })).toEqual([
      `format-changed: pattern ${String(pattern)} → ^.+Z$`,
    ]);
  });

  it("reads OpenAPI 3.0's nullable as a null type, and its boolean exclusive bounds", () => {
    const id = { type: 'string' };
    expect(review(id, { ...id, nullable: true }, 'produced')).toEqual(['/ type-widened breaking']);
    expect(review({ ...id, nullable: true }, id, 'accepted')).toEqual(['/ type-narrowed breaking']);
    expect(review({ ...id, nullable: true }, { type: ['string', 'null'] }, 'produced')).toEqual([]);
    const price = { type: 'number', minimum: 0 };
    expect(review(price, { ...price, exclusiveMinimum: true }, 'accepted')).toEqual([
      '/ bound-tightened breaking',
    ]);
  });

  it('compares the members an object does not name: a schema given them narrows them', () => {
    const open = { type: 'object' };
    const strings = { type: 'string' };
    expect(review(open, { ...open, additionalProperties: strings }, 'accepted')).toEqual([
      '/* type-narrowed breaking',
    ]);
    expect(review(open, { ...open, unevaluatedProperties: strings }, 'produced')).toEqual([
      '/* type-narrowed safe',
    ]);
    expect(review({ ...open, additionalProperties: strings }, open, 'produced')).toEqual([
      '/* type-widened breaking',
    ]);
  });

  it('reads {not: {}} as refusing everything, as false', () => {
    const open = { type: 'object' };
    expect(review(open, { ...open, additionalProperties: { not: {} } }, 'accepted')).toEqual([
      '/ extra-fields-refused breaking',
    ]);
    expect(
      review(
        { ...open, additionalProperties: false },
        { ...open, additionalProperties: { not: {} } },
        'produced',
      ),
    ).toEqual([]);
    expect(review({ type: 'string' }, { not: {} }, 'accepted')).toEqual([
      '/ type-narrowed breaking',
    ]);
  });

  it('reads variants where there were none, and items where any went, as constraints added', () => {
    expect(review({}, { oneOf: [{ type: 'string' }, { type: 'integer' }] }, 'accepted')).toEqual([
      '/ constraint-added breaking',
    ]);
    expect(
      review({ type: 'array' }, { type: 'array', items: { type: 'string' } }, 'accepted'),
    ).toEqual(['/[] type-narrowed breaking']);
  });

  describe('variants', () => {
    it('pairs reordered variants by what they are, before their place', () => {
      const [text, count] = [{ type: 'string' }, { type: 'integer' }];
      expect(review({ oneOf: [text, count] }, { oneOf: [count, text] }, 'produced')).toEqual([]);
      const frames = (...names: string[]) => ({
        oneOf: names.map((name) => ({
          type: 'object',
          properties: { type: { const: name } },
          title: name,
        })),
      });
      expect(review(frames('ping', 'pong'), frames('pong', 'ping'), 'produced')).toEqual([]);
    });

    it('names the variant removed, not the last', () => {
      const before = { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'boolean' }] };
      const after = { anyOf: [{ type: 'string' }, { type: 'boolean' }] };
      expect(details(before, after)).toEqual([
        'variant-removed: anyOf variant {"type":"integer"} removed',
      ]);
    });
  });
});
