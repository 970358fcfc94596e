// The pure core of schema review: what changed between two versions of a JSON
// Schema, and whom each change breaks. Whether a change breaks depends on the
// direction data flows through the schema: a service writes its responses and
// server frames (`produced`), which consumers read; consumers write requests
// and client frames (`accepted`), which the service reads. Loosening what is
// produced breaks consumers that relied on it; tightening what is accepted
// breaks consumers that send what is now refused.

export type Direction = 'produced' | 'accepted';

export type ChangeKind =
  | 'field-removed'
  | 'field-added'
  | 'field-now-required'
  | 'field-now-optional'
  | 'type-widened'
  | 'type-narrowed'
  | 'type-changed'
  | 'enum-widened'
  | 'enum-narrowed'
  | 'enum-changed'
  | 'format-loosened'
  | 'format-tightened'
  | 'format-changed'
  | 'bound-loosened'
  | 'bound-tightened'
  | 'extra-fields-allowed'
  | 'extra-fields-refused'
  | 'variant-added'
  | 'variant-removed'
  | 'exchange-added'
  | 'exchange-removed';

export interface SchemaChange {
  /** Where in an instance, e.g. `/items/[]/title`: object members by name, array items as `[]`. */
  path: string;
  kind: ChangeKind;
  /** Whether a consumer can break: reading what is produced, or sending what is accepted. */
  breaking: boolean;
  detail: string;
}

// Whether a change loosens (admits more instances) or tightens (admits fewer),
// which direction decides into breaking or not; some changes are both ways.
type Effect = 'loosens' | 'tightens' | 'both' | 'neither';

const effects: Record<ChangeKind, Effect> = {
  'field-removed': 'both',
  // A new optional member: readers ignore what they do not know, writers need not send it.
  'field-added': 'neither',
  'field-now-required': 'tightens',
  'field-now-optional': 'loosens',
  'type-widened': 'loosens',
  'type-narrowed': 'tightens',
  'type-changed': 'both',
  'enum-widened': 'loosens',
  'enum-narrowed': 'tightens',
  'enum-changed': 'both',
  'format-loosened': 'loosens',
  'format-tightened': 'tightens',
  'format-changed': 'both',
  'bound-loosened': 'loosens',
  'bound-tightened': 'tightens',
  'extra-fields-allowed': 'loosens',
  'extra-fields-refused': 'tightens',
  'variant-added': 'loosens',
  'variant-removed': 'tightens',
  // An operation, status or message: gone, it breaks whoever used it; new, nobody uses it yet.
  'exchange-added': 'neither',
  'exchange-removed': 'both',
};

/**
 * Produced data breaks its readers when it loosens (a field may be missing,
 * null, another type, a value they do not know); accepted data breaks its
 * writers when it tightens. A removed field breaks both: readers lose it,
 * and a closed request refuses writers who still send it.
 */
export function breaksIn(kind: ChangeKind, direction: Direction): boolean {
  const effect = effects[kind];
  if (effect === 'both' || effect === 'neither') return effect === 'both';
  return direction === 'produced' ? effect === 'loosens' : effect === 'tightens';
}

/** A JSON Schema as read from a file: an object (or a boolean schema). */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** Resolves a `$ref` met in a schema; `from` is the schema the ref was read in. */
export type RefResolver = (ref: string, from: 'before' | 'after') => JsonSchema;

export interface DiffOptions {
  direction: Direction;
  /** Needed when the schemas hold `$ref`s; without it a ref is compared as text. */
  resolve?: RefResolver;
}

/** Every change between `before` and `after`, in instance path order of discovery. */
export function diffSchemas(
  before: JsonSchema,
  after: JsonSchema,
  options: DiffOptions,
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  /** The ref chains being compared on the way down to here. */
  const active = new Set<string>();
  const add = (path: string, kind: ChangeKind, detail: string) =>
    changes.push({ path: path || '/', kind, breaking: breaksIn(kind, options.direction), detail });

  const deref = (schema: JsonSchema, side: 'before' | 'after', trail: string[]): JsonSchema => {
    let current = schema;
    // A chain of refs (a ref to a ref) is followed to its end; a cycle stops.
    for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
      if (!options.resolve || hops > 32) return current;
      trail.push(current.$ref);
      const { $ref, ...siblings } = current;
      const target = options.resolve($ref, side);
      current = isObject(target) ? { ...target, ...siblings } : target;
    }
    return current;
  };

  const walk = (a: JsonSchema, b: JsonSchema, path: string): void => {
    const refs: string[] = [];
    const x = deref(a, 'before', refs);
    const y = deref(b, 'after', refs);
    // A recursive schema (a tree of nodes) is compared down to where it
    // recurs: below that the same refs would repeat the same changes forever.
    const key = refs.join('\u0000');
    if (refs.length > 0 && active.has(key)) return;
    if (refs.length > 0) active.add(key);
    try {
      compareDerefed(x, y, path);
    } finally {
      if (refs.length > 0) active.delete(key);
    }
  };

  const compareDerefed = (x: JsonSchema, y: JsonSchema, path: string): void => {
    // `true` is the empty schema; `false` admits nothing.
    if (x === false || y === false) {
      if (x !== y) add(path, x === false ? 'type-widened' : 'type-narrowed', 'false schema');
      return;
    }
    walkSchemas(x === true ? {} : x, y === true ? {} : y, path);
  };

  const walkSchemas = (x: Schema, y: Schema, path: string): void => {
    compareTypes(x, y, path, add);
    compareValues(x, y, path, add);
    compareFormat(x, y, path, add);
    compareBounds(x, y, path, add);
    compareObjects(x, y, path, add, walk);
    compareArrays(x, y, path, walk);
    compareVariants(x, y, path, add, walk);
  };

  walk(before, after, '');
  return changes;
}

type Schema = { [keyword: string]: unknown };
type Add = (path: string, kind: ChangeKind, detail: string) => void;
type Walk = (a: JsonSchema, b: JsonSchema, path: string) => void;

const isObject = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The instance types a schema names; undefined when it names none (any type). */
function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema.type;
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((t): t is string => typeof t === 'string'));
  return undefined;
}

/** Whether every type of `small` is admitted by `large` (an integer is a number). */
function within(small: Set<string>, large: Set<string>): boolean {
  return [...small].every((t) => large.has(t) || (t === 'integer' && large.has('number')));
}

function compareTypes(x: Schema, y: Schema, path: string, add: Add): void {
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
  if ('const' in schema) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

function compareValues(x: Schema, y: Schema, path: string, add: Add): void {
  const a = valuesOf(x);
  const b = valuesOf(y);
  if (!a && !b) return;
  const text = (values: unknown[] | undefined) =>
    values ? values.map((v) => JSON.stringify(v)).join(', ') : 'any value';
  const detail = `values ${text(a)} → ${text(b)}`;
  if (!b) return add(path, 'enum-widened', detail);
  if (!a) return add(path, 'enum-narrowed', detail);
  const keys = (values: unknown[]) => new Set(values.map((v) => JSON.stringify(v)));
  const [ka, kb] = [keys(a), keys(b)];
  const added = [...kb].some((k) => !ka.has(k));
  const removed = [...ka].some((k) => !kb.has(k));
  if (added && removed) add(path, 'enum-changed', detail);
  else if (added) add(path, 'enum-widened', detail);
  else if (removed) add(path, 'enum-narrowed', detail);
}

function compareFormat(x: Schema, y: Schema, path: string, add: Add): void {
  const a = typeof x.format === 'string' ? x.format : undefined;
  const b = typeof y.format === 'string' ? y.format : undefined;
  if (a === b) return;
  const detail = `format ${a ?? 'none'} → ${b ?? 'none'}`;
  if (!b) add(path, 'format-loosened', detail);
  else if (!a) add(path, 'format-tightened', detail);
  else add(path, 'format-changed', detail);
}

/** Lower bounds: a larger value admits fewer instances. Upper bounds: a smaller one does. */
const lowerBounds = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const upperBounds = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

function compareBounds(x: Schema, y: Schema, path: string, add: Add): void {
  for (const [keywords, tighter] of [
    [lowerBounds, (a: number, b: number) => b > a],
    [upperBounds, (a: number, b: number) => b < a],
  ] as const) {
    for (const keyword of keywords) {
      const a = typeof x[keyword] === 'number' ? x[keyword] : undefined;
      const b = typeof y[keyword] === 'number' ? y[keyword] : undefined;
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

/** Whether a schema admits members it does not name: absent or true admits, false or {not: {}} refuses. */
function extraFieldsAllowed(schema: Schema): boolean {
  for (const keyword of ['additionalProperties', 'unevaluatedProperties'])
    if (schema[keyword] === false) return false;
  return true;
}

function compareObjects(x: Schema, y: Schema, path: string, add: Add, walk: Walk): void {
  const a = isObject(x.properties) ? x.properties : {};
  const b = isObject(y.properties) ? y.properties : {};
  const requiredOf = (schema: Schema) =>
    new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
    );
  const [ra, rb] = [requiredOf(x), requiredOf(y)];
  for (const name of Object.keys(a)) {
    if (!(name in b)) add(member(path, name), 'field-removed', `${name} removed`);
    else {
      if (!ra.has(name) && rb.has(name))
        add(member(path, name), 'field-now-required', `${name} now required`);
      if (ra.has(name) && !rb.has(name))
        add(member(path, name), 'field-now-optional', `${name} now optional`);
      walk(a[name] as JsonSchema, b[name] as JsonSchema, member(path, name));
    }
  }
  for (const name of Object.keys(b)) {
    if (name in a) continue;
    add(
      member(path, name),
      rb.has(name) ? 'field-now-required' : 'field-added',
      `${name} added${rb.has(name) ? ', required' : ''}`,
    );
  }
  // A member required without a schema of its own (an allOf part that only requires).
  for (const name of new Set([...ra, ...rb])) {
    if (name in a || name in b) continue;
    if (ra.has(name) && !rb.has(name))
      add(member(path, name), 'field-now-optional', `${name} now optional`);
    if (!ra.has(name) && rb.has(name))
      add(member(path, name), 'field-now-required', `${name} now required`);
  }
  const [ea, eb] = [extraFieldsAllowed(x), extraFieldsAllowed(y)];
  if (ea && !eb) add(path, 'extra-fields-refused', 'members it does not name are now refused');
  if (!ea && eb) add(path, 'extra-fields-allowed', 'members it does not name are now allowed');
  // A map's values (additionalProperties as a schema) are compared as members are.
  if (isObject(x.additionalProperties) && isObject(y.additionalProperties))
    walk(x.additionalProperties, y.additionalProperties, member(path, '*'));
}

function compareArrays(x: Schema, y: Schema, path: string, walk: Walk): void {
  const a = x.items;
  const b = y.items;
  if ((isObject(a) || typeof a === 'boolean') && (isObject(b) || typeof b === 'boolean'))
    walk(a, b, `${path}/[]`);
}

/** A variant of a oneOf/anyOf is matched by its $ref or title, else by its place. */
function variantKey(schema: unknown, index: number): string {
  if (isObject(schema)) {
    if (typeof schema.$ref === 'string') return `ref:${schema.$ref}`;
    if (typeof schema.title === 'string') return `title:${schema.title}`;
    if (typeof schema.const !== 'undefined') return `const:${JSON.stringify(schema.const)}`;
  }
  return `at:${index}`;
}

function compareVariants(x: Schema, y: Schema, path: string, add: Add, walk: Walk): void {
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const a = Array.isArray(x[keyword]) ? (x[keyword] as unknown[]) : [];
    const b = Array.isArray(y[keyword]) ? (y[keyword] as unknown[]) : [];
    if (a.length === 0 && b.length === 0) continue;
    const mb = new Map(b.map((s, i) => [variantKey(s, i), s]));
    const ma = new Map(a.map((s, i) => [variantKey(s, i), s]));
    for (const [key, schema] of ma) {
      const other = mb.get(key);
      if (other === undefined) add(path, 'variant-removed', `${keyword} variant ${key} removed`);
      else walk(schema as JsonSchema, other as JsonSchema, path);
    }
    for (const key of mb.keys())
      if (!ma.has(key)) add(path, 'variant-added', `${keyword} variant ${key} added`);
  }
  // allOf: each part constrains the whole instance, so parts are compared in place.
  const pa = Array.isArray(x.allOf) ? (x.allOf as unknown[]) : [];
  const pb = Array.isArray(y.allOf) ? (y.allOf as unknown[]) : [];
  const parts = new Map(pb.map((s, i) => [variantKey(s, i), s]));
  for (const [i, schema] of pa.entries()) {
    const other = parts.get(variantKey(schema, i));
    walk(schema as JsonSchema, (other ?? true) as JsonSchema, path);
  }
  const known = new Set(pa.map((s, i) => variantKey(s, i)));
  for (const [i, schema] of pb.entries())
    if (!known.has(variantKey(schema, i))) walk(true, schema as JsonSchema, path);
}
