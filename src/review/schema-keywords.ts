// The rules by which diffSchemas compares the keywords of two schemas it has
// reached the same place in, refs followed: types, values, formats, bounds,
// members, items and variants each by a rule of their own, and every other
// assertion by whether it was added, removed or changed, so that none goes
// unseen. Annotations (title, examples, x-…) are not compared.

import { isObject, preview, sameJson, type JsonObject } from '../contracts/json-values.js';
import type { ChangeKind, JsonSchema } from './schema-diff.js';

export type Schema = JsonObject;

/** What a rule reports to, and how it compares the subschemas it holds. */
export interface Visit {
  add: (path: string, kind: ChangeKind, detail: string) => void;
  walk: (a: JsonSchema, b: JsonSchema, path: string) => void;
  /** Whether `b` admits what `a` does, as far as the diff can tell; nothing is reported. */
  unchanged: (a: JsonSchema, b: JsonSchema, path: string) => boolean;
}

/** Compares two schemas keyword by keyword (neither a ref, nor false). */
export function compareKeywords(x: Schema, y: Schema, path: string, visit: Visit): void {
  for (const compare of [
    compareTypes,
    compareValues,
    compareFormat,
    compareBounds,
    compareObjects,
    compareArrays,
    compareVariants,
    compareOthers,
  ])
    compare(x, y, path, visit);
}

const isSchema = (value: unknown): value is JsonSchema =>
  isObject(value) || typeof value === 'boolean';

/** A schema's own keyword (never one of Object.prototype's members). */
const valueOf = (schema: Schema, keyword: string): unknown =>
  Object.hasOwn(schema, keyword) ? schema[keyword] : undefined;

/**
 * Keywords that say nothing about which instances are valid ($defs are
 * compared where a ref reaches them), besides the `x-` extensions.
 */
const annotations = new Set(
  [
    'title description examples example default deprecated readOnly writeOnly',
    '$comment $id $schema $anchor $dynamicAnchor $vocabulary $defs definitions',
    'discriminator externalDocs xml',
  ].flatMap((line) => line.split(' ')),
);

export const isAnnotation = (keyword: string) =>
  annotations.has(keyword) || keyword.startsWith('x-');

/** A `$ref` and nothing else that constrains: what it admits is decided by the ref alone. */
export const plainRef = (schema: JsonSchema) =>
  isObject(schema) &&
  typeof schema.$ref === 'string' &&
  Object.keys(schema).every((k) => k === '$ref' || isAnnotation(k));

/** `false`, or a schema whose only assertion is `not` the empty schema. */
export function refusesAll(schema: unknown): boolean {
  if (schema === false) return true;
  if (!isObject(schema)) return false;
  const asserted = Object.keys(schema).filter((k) => !isAnnotation(k));
  const not = schema.not;
  return (
    asserted.length === 1 &&
    asserted[0] === 'not' &&
    (not === true || (isObject(not) && Object.keys(not).every(isAnnotation)))
  );
}

/** The instance types a schema names; undefined when it names none (any type). */
function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema.type;
  const types =
    typeof type === 'string'
      ? [type]
      : Array.isArray(type)
        ? type.filter((t): t is string => typeof t === 'string')
        : undefined;
  // OpenAPI 3.0 writes `nullable: true` where 3.1 adds "null" to the types.
  return types && new Set(schema.nullable === true ? [...types, 'null'] : types);
}

/** Whether every type of `small` is admitted by `large` (an integer is a number). */
function within(small: Set<string>, large: Set<string>): boolean {
  return [...small].every((t) => large.has(t) || (t === 'integer' && large.has('number')));
}

function compareTypes(x: Schema, y: Schema, path: string, { add }: Visit): void {
  const a = typesOf(x);
  const b = typesOf(y);
  if (!a && !b) return;
  const describe = (types: Set<string> | undefined) =>
    types ? [...types].sort().join('|') : 'any';
  const detail = `type ${describe(a)} → ${describe(b)}`;
  if (!b) return add(path, 'type-widened', detail);
  if (!a) return add(path, 'type-narrowed', detail);
  const widened = !within(b, a);
  const narrowed = !within(a, b);
  if (widened && narrowed) add(path, 'type-changed', detail);
  else if (widened) add(path, 'type-widened', detail);
  else if (narrowed) add(path, 'type-narrowed', detail);
}

/** `enum` and `const` as one list of allowed values; undefined when any value goes. */
function valuesOf(schema: Schema): unknown[] | undefined {
  if (Object.hasOwn(schema, 'const')) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

function compareValues(x: Schema, y: Schema, path: string, { add }: Visit): void {
  const a = valuesOf(x);
  const b = valuesOf(y);
  if (!a && !b) return;
  const text = (values: unknown[] | undefined) =>
    values ? values.map((v) => preview(v)).join(', ') : 'any value';
  const detail = `values ${text(a)} → ${text(b)}`;
  if (!b) return add(path, 'enum-widened', detail);
  if (!a) return add(path, 'enum-narrowed', detail);
  const added = b.some((v) => !a.some((w) => sameJson(v, w)));
  const removed = a.some((v) => !b.some((w) => sameJson(v, w)));
  if (added && removed) add(path, 'enum-changed', detail);
  else if (added) add(path, 'enum-widened', detail);
  else if (removed) add(path, 'enum-narrowed', detail);
}

/** What a string must look like: a named format, and a pattern. */
function compareFormat(x: Schema, y: Schema, path: string, { add }: Visit): void {
  for (const keyword of ['format', 'pattern']) {
    const a = typeof x[keyword] === 'string' ? x[keyword] : undefined;
    const b = typeof y[keyword] === 'string' ? y[keyword] : undefined;
    if (a === b) continue;
    const detail = `${keyword} ${a ?? 'none'} → ${b ?? 'none'}`;
    if (!b) add(path, 'format-loosened', detail);
    else if (!a) add(path, 'format-tightened', detail);
    else add(path, 'format-changed', detail);
  }
}

/** Lower bounds: a larger value admits fewer instances. Upper bounds: a smaller one does. */
const lowerBounds = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const upperBounds = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

function compareBounds(x: Schema, y: Schema, path: string, { add }: Visit): void {
  for (const [keywords, tighter] of [
    [lowerBounds, (a: number, b: number) => b > a],
    [upperBounds, (a: number, b: number) => b < a],
  ] as const) {
    for (const keyword of keywords) {
      const [wrote, writes] = [x[keyword], y[keyword]];
      // OpenAPI 3.0 makes minimum or maximum exclusive with a flag.
      if (typeof wrote === 'boolean' || typeof writes === 'boolean') {
        if ((wrote === true) !== (writes === true))
          add(
            path,
            writes === true ? 'bound-tightened' : 'bound-loosened',
            `${keyword} ${preview(wrote)} → ${preview(writes)}`,
          );
        continue;
      }
      const a = typeof wrote === 'number' ? wrote : undefined;
      const b = typeof writes === 'number' ? writes : undefined;
      if (a === b) continue;
      const detail = `${keyword} ${a ?? 'none'} → ${b ?? 'none'}`;
      if (b === undefined) add(path, 'bound-loosened', detail);
      else if (a === undefined || tighter(a, b)) add(path, 'bound-tightened', detail);
      else add(path, 'bound-loosened', detail);
    }
  }
}

const member = (path: string, name: string) =>
  `${path}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;

const extraMembers = ['additionalProperties', 'unevaluatedProperties'];

/** Whether a schema admits members it does not name: absent or true admits, false or {not: {}} refuses. */
function extraFieldsAllowed(schema: Schema): boolean {
  return !extraMembers.some((keyword) => refusesAll(valueOf(schema, keyword)));
}

function compareObjects(x: Schema, y: Schema, path: string, { add, walk }: Visit): void {
  const a = isObject(x.properties) ? x.properties : {};
  const b = isObject(y.properties) ? y.properties : {};
  const requiredOf = (schema: Schema) =>
    new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
    );
  const [ra, rb] = [requiredOf(x), requiredOf(y)];
  for (const name of Object.keys(a)) {
    if (!Object.hasOwn(b, name)) add(member(path, name), 'field-removed', `${name} removed`);
    else {
      if (!ra.has(name) && rb.has(name))
        add(member(path, name), 'field-now-required', `${name} now required`);
      if (ra.has(name) && !rb.has(name))
        add(member(path, name), 'field-now-optional', `${name} now optional`);
      walk(a[name] as JsonSchema, b[name] as JsonSchema, member(path, name));
    }
  }
  for (const name of Object.keys(b)) {
    if (Object.hasOwn(a, name)) continue;
    add(
      member(path, name),
      rb.has(name) ? 'field-now-required' : 'field-added',
      `${name} added${rb.has(name) ? ', required' : ''}`,
    );
  }
  // A member required without a schema of its own (an allOf part that only requires).
  for (const name of new Set([...ra, ...rb])) {
    if (Object.hasOwn(a, name) || Object.hasOwn(b, name)) continue;
    if (ra.has(name) && !rb.has(name))
      add(member(path, name), 'field-now-optional', `${name} now optional`);
    if (!ra.has(name) && rb.has(name))
      add(member(path, name), 'field-now-required', `${name} now required`);
  }
  const [ea, eb] = [extraFieldsAllowed(x), extraFieldsAllowed(y)];
  if (ea && !eb) add(path, 'extra-fields-refused', 'members it does not name are now refused');
  if (!ea && eb) add(path, 'extra-fields-allowed', 'members it does not name are now allowed');
  // The members it does not name (a map's values) are compared as members are:
  // none said is the empty schema, so a schema given them is a change too.
  for (const keyword of extraMembers) {
    const [ma, mb] = [valueOf(x, keyword) ?? true, valueOf(y, keyword) ?? true];
    if (isSchema(ma) && isSchema(mb) && ea && eb && !(ma === true && mb === true))
      walk(ma, mb, member(path, '*'));
  }
}

function compareArrays(x: Schema, y: Schema, path: string, visit: Visit): void {
  const [a, b] = [valueOf(x, 'items'), valueOf(y, 'items')];
  if (a === undefined && b === undefined) return;
  const [ia, ib] = [a ?? true, b ?? true];
  // The items of a tuple (an array of schemas, before 2020-12) are compared as other keywords are.
  if (isSchema(ia) && isSchema(ib)) visit.walk(ia, ib, `${path}/[]`);
  else compareKeyword('items', x, y, path, visit);
}

/** What a variant is known by, when it has one. */
const identities = ['$ref', 'title', 'const'];

const bothHave = (a: unknown, b: unknown, keyword: string): [Schema, Schema] | undefined =>
  isObject(a) && isObject(b) && Object.hasOwn(a, keyword) && Object.hasOwn(b, keyword)
    ? [a, b]
    : undefined;

/** What pairs variants when they are reordered, strongest first; last, their place. */
const sameVariant: ((a: unknown, b: unknown) => boolean)[] = [
  ...identities.map((keyword) => (a: unknown, b: unknown) => {
    const both = bothHave(a, b, keyword);
    return both !== undefined && sameJson(both[0][keyword], both[1][keyword]);
  }),
  sameJson,
  // Variants known by different refs, titles or consts are different, wherever they stand.
  (a, b) => identities.every((keyword) => bothHave(a, b, keyword) === undefined),
];

/** The variants of `a` and `b` paired as the same variant, and those of one side only. */
function pairVariants(a: unknown[], b: unknown[]) {
  const pairs: [number, number][] = [];
  const [left, right] = [new Set(a.keys()), new Set(b.keys())];
  for (const same of sameVariant)
    for (const i of left) {
      const j = [...right].find((k) => same(a[i], b[k]));
      if (j === undefined) continue;
      pairs.push([i, j]);
      left.delete(i);
      right.delete(j);
    }
  return {
    pairs: pairs
      .sort(([i], [j]) => i - j)
      .map(([i, j]) => [a[i], b[j]] as [JsonSchema, JsonSchema]),
    removed: [...left].map((i) => a[i] as JsonSchema),
    added: [...right].map((j) => b[j] as JsonSchema),
  };
}

function compareVariants(x: Schema, y: Schema, path: string, visit: Visit): void {
  const { add, walk } = visit;
  for (const keyword of ['oneOf', 'anyOf']) {
    const [a, b] = [valueOf(x, keyword), valueOf(y, keyword)];
    // A list of variants where there was none constrains: compared as other keywords are.
    if (!Array.isArray(a) || !Array.isArray(b)) {
      compareKeyword(keyword, x, y, path, visit);
      continue;
    }
    const { pairs, removed, added } = pairVariants(a, b);
    for (const [s, t] of pairs) walk(s, t, path);
    for (const s of removed)
      add(path, 'variant-removed', `${keyword} variant ${preview(s)} removed`);
    for (const t of added) add(path, 'variant-added', `${keyword} variant ${preview(t)} added`);
  }
  // allOf parts that could not be merged: each constrains the whole instance,
  // so they are compared in place.
  const parts = (schema: Schema) =>
    Array.isArray(schema.allOf) ? (schema.allOf as unknown[]) : [];
  const { pairs, removed, added } = pairVariants(parts(x), parts(y));
  for (const [s, t] of pairs) walk(s, t, path);
  for (const s of removed) walk(s, true, path);
  for (const t of added) walk(true, t, path);
}

/** Keywords compared by a rule of their own above. */
const compared = new Set(
  [
    'type nullable enum const format pattern properties required items oneOf anyOf allOf',
    ...lowerBounds,
    ...upperBounds,
    ...extraMembers,
  ].flatMap((line) => line.split(' ')),
);

/** Keywords whose value holds subschemas: one, a list or a map of them. */
const subschemasIn = new Map<string, 'one' | 'list' | 'map'>([
  ...'not if then else contains propertyNames additionalItems unevaluatedItems'
    .split(' ')
    .map((keyword) => [keyword, 'one'] as const),
  ...['prefixItems', 'items'].map((keyword) => [keyword, 'list'] as const),
  ...['patternProperties', 'dependentSchemas'].map((keyword) => [keyword, 'map'] as const),
]);

/** Every other assertion (multipleOf, not, prefixItems, …), so that none goes unseen. */
function compareOthers(x: Schema, y: Schema, path: string, visit: Visit): void {
  for (const keyword of new Set([...Object.keys(x), ...Object.keys(y)]))
    if (!compared.has(keyword) && !isAnnotation(keyword))
      compareKeyword(keyword, x, y, path, visit);
}

/** Whether a keyword says the same on both sides; the subschemas in it compared through the diff. */
function sameValue(keyword: string, a: unknown, b: unknown, path: string, visit: Visit): boolean {
  const same = (s: unknown, t: unknown) =>
    isSchema(s) && isSchema(t) ? visit.unchanged(s, t, path) : sameJson(s, t);
  switch (subschemasIn.get(keyword)) {
    case 'one':
      return same(a, b);
    case 'list':
      if (!Array.isArray(a) || !Array.isArray(b)) break;
      return a.length === b.length && a.every((s, i) => same(s, b[i]));
    case 'map': {
      if (!isObject(a) || !isObject(b)) break;
      const names = Object.keys(a);
      return sameJson(names.sort(), Object.keys(b).sort()) && names.every((n) => same(a[n], b[n]));
    }
    case undefined:
      break;
  }
  return sameJson(a, b);
}

/** A keyword of no rule of its own: added, removed or changed. */
function compareKeyword(keyword: string, x: Schema, y: Schema, path: string, visit: Visit): void {
  const [a, b] = [valueOf(x, keyword), valueOf(y, keyword)];
  if (a === undefined && b === undefined) return;
  const [was, is] = [preview(a), preview(b)];
  const detail = was === is ? `${keyword} ${was} changed below` : `${keyword} ${was} → ${is}`;
  if (b === undefined) visit.add(path, 'constraint-removed', detail);
  else if (a === undefined) visit.add(path, 'constraint-added', detail);
  else if (!sameValue(keyword, a, b, path, visit)) visit.add(path, 'constraint-changed', detail);
}
