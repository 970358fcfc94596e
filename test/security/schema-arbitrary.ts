import fc from 'fast-check';
import { schemaRegistry } from '../../src/schemas/registry.js';
import { schemaIdBase } from '../../src/schemas/schema-files.js';

// Valid values of a schema in schemas/, as fast-check arbitraries: the seeds
// the corpus mutates. Only the keywords our request schemas use are read;
// whatever a pattern or format cannot express is filtered through ajv, so
// every generated value really is valid.

export type Schema = Record<string, unknown>;

/** A schema (resolving `$ref`s against the file it sits in) and the id it is read relative to. */
export interface Located {
  schema: Schema;
  base: string;
}

const byId = (): Map<string, Schema> =>
  new Map(schemaRegistry().files.map((file) => [file.schema.$id, file.schema as Schema]));
let ids: Map<string, Schema> | undefined;

export function locate(name: string): Located {
  const base = `${schemaIdBase}${name}.json`;
  const schema = (ids ??= byId()).get(base);
  if (!schema) throw new Error(`no schema ${name}`);
  return { schema, base };
}

/** Follows `$ref` until a schema without one. */
export function resolve(at: Located): Located {
  let current = at;
  while (typeof current.schema.$ref === 'string') {
    const url = new URL(current.schema.$ref, current.base);
    const file = `${url.origin}${url.pathname}`;
    let schema = (ids ??= byId()).get(file);
    if (!schema) throw new Error(`cannot resolve ${current.schema.$ref} from ${current.base}`);
    for (const part of url.hash.replace(/^#\/?/, '').split('/').filter(Boolean))
      schema = (schema as Record<string, Schema>)[decodeURIComponent(part)]!;
    current = { schema, base: file };
  }
  return current;
}

export const child = (at: Located, schema: unknown): Located =>
  resolve({ schema: (schema ?? {}) as Schema, base: at.base });

/** The types a schema allows (every JSON type when it says nothing). */
export function typesOf(schema: Schema): string[] {
  if ('const' in schema) return [jsonType(schema.const)];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(jsonType))];
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type as string[];
  return ['string', 'number', 'integer', 'boolean', 'null', 'array', 'object'];
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, 40);
  if (schema.format === 'uuid') return fc.uuid({ version: 4 });
  if (schema.format === 'email') return fc.emailAddress().filter((e) => e.length <= 254);
  if (schema.format === 'uri') return fc.webUrl();
  if (typeof schema.pattern === 'string') {
    // fast-check reads no lookahead; the pattern without it, then ajv, decide.
    const plain = schema.pattern.replace(/\(\?[=!][^)]*\)/g, '');
    const full = new RegExp(schema.pattern, 'u');
    return fc
      .stringMatching(new RegExp(plain, 'u'))
      .filter((s) => full.test(s) && s.length >= minLength && s.length <= Math.max(maxLength, 1));
  }
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength), unit: 'grapheme' });
}

function objectArbitrary(at: Located): fc.Arbitrary<Record<string, unknown>> {
  const { schema } = at;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set((schema.required ?? []) as string[]);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(properties)) shape[name] = arbitrary(child(at, sub));
  const requiredKeys = Object.keys(shape).filter((k) => required.has(k));
  let record: fc.Arbitrary<Record<string, unknown>> = fc.record(shape, { requiredKeys });
  if (Object.keys(properties).length === 0 && typeof schema.additionalProperties === 'object') {
    // A map (thread metadata, webhook headers): keys from propertyNames, values from additionalProperties.
    const keys = schema.propertyNames
      ? (arbitrary(child(at, schema.propertyNames)) as fc.Arbitrary<string>)
      : fc.string({ minLength: 1, maxLength: 12 });
    record = fc.dictionary(keys, arbitrary(child(at, schema.additionalProperties)), {
      maxKeys: 3,
    });
  }
  if (typeof schema.minProperties === 'number') {
    const min = schema.minProperties;
    record = record.filter((value) => Object.keys(value).length >= min);
  }
  return record;
}

/** An arbitrary of values valid against `at`. */
export function arbitrary(at: Located): fc.Arbitrary<unknown> {
  const here = resolve(at);
  const { schema } = here;
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((sub) => arbitrary(child(here, sub))));
  const choices = typesOf(schema).map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'string':
        return stringArbitrary(schema);
      case 'integer':
        return fc.integer({
          min: typeof schema.minimum === 'number' ? schema.minimum : -1000,
          max: typeof schema.maximum === 'number' ? schema.maximum : 1000,
        });
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const items = schema.items ? arbitrary(child(here, schema.items)) : fc.jsonValue();
        const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
        return fc.array(items, { minLength, maxLength: Math.max(minLength, 2) });
      }
      default:
        return objectArbitrary(here);
    }
  });
  return choices.length === 1 ? choices[0]! : fc.oneof(...choices);
}

/** Valid values of the named schema (e.g. `backend/thread-create-request`), checked by ajv. */
export function validValues(name: string): fc.Arbitrary<unknown> {
  const validator = schemaRegistry().validatorFor(name);
  return arbitrary(locate(name)).filter((value) => validator.is(value));
}
