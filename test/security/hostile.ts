import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { schemaRegistry } from '../../src/schemas/registry.js';
import type { Schema } from './schema-arbitrary.js';

// What an attacker puts in a field, a path segment or a query value, and how
// the corpus decides what the answer must be.

export interface Hostile {
  /** Short, for case names: `NUL`, `SQL: or-true`, `100 KB`. */
  name: string;
  value: unknown;
}

/** Nested arrays `depth` deep, as a JSON value (never stringified by recursion). */
export const deepArray = (depth: number): unknown => JSON.parse(deepJson(depth)) as unknown;
export const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

export const DEPTH = 10_000;
/** The one deep value: toJson() recognises it and writes it without recursion. */
export const DEEP = deepArray(DEPTH);
export const KB100 = 'x'.repeat(100 * 1024);

/** SQL written to break out of a quoted literal, an identifier, a LIKE pattern or a number. */
export const sqlTexts: Hostile[] = [
  { name: 'SQL: or-true', value: "' OR '1'='1' --" },
  {
    name: 'SQL: drop',
    value: "x'); DROP TABLE backend_threads; DROP TABLE broker_pacticipants; --",
  },
  { name: 'SQL: sleep', value: '1; SELECT pg_sleep(30); --' },
  { name: 'SQL: like', value: '%_\\%' },
];

/** Strings every string-typed input is tried with. */
export function hostileStrings(schema: Schema = {}): Hostile[] {
  const list: Hostile[] = [
    { name: 'NUL', value: 'a\u0000b' },
    { name: 'lone high surrogate', value: 'a\ud800b' },
    { name: 'lone low surrogate', value: '\udc00' },
    { name: '100 KB', value: KB100 },
    { name: 'empty', value: '' },
    { name: 'newline', value: 'line\nbreak' },
    ...sqlTexts,
  ];
  if (typeof schema.maxLength === 'number' && schema.maxLength < 100 * 1024)
    list.push({
      name: `maxLength+1 (${schema.maxLength + 1})`,
      value: 'y'.repeat(schema.maxLength + 1),
    });
  return list;
}

/** Numbers every number-typed input is tried with. */
export const hostileNumbers: Hostile[] = [
  { name: 'fraction', value: 1.5 },
  { name: 'negative', value: -1 },
  { name: '2^31', value: 2 ** 31 },
  { name: '2^53+2', value: 2 ** 53 + 2 },
  { name: '1e308', value: 1e308 },
  { name: '-1e308', value: -1e308 },
  { name: 'denormal', value: 5e-324 },
];

/** One value of each JSON type, plus nesting 10,000 deep: the wrong types of a field. */
export function wrongTypes(allowed: string[]): Hostile[] {
  const all: [string, unknown][] = [
    ['string', 'text'],
    ['integer', 7],
    ['boolean', true],
    ['null', null],
    ['array', []],
    ['object', {}],
  ];
  const list = all
    .filter(
      ([type]) => !allowed.includes(type) && !(type === 'integer' && allowed.includes('number')),
    )
    .map(([type, value]) => ({ name: `wrong type: ${type}`, value }));
  list.push({ name: `depth ${DEPTH}`, value: DEEP });
  return list;
}

/** Query values, path segments and header values, as text: numbers only where a number is read. */
export function hostileTexts(schema: Schema = {}): Hostile[] {
  const numeric: Hostile[] = [
    { name: 'fraction', value: '1.5' },
    { name: 'exponent', value: '1e30' },
    { name: 'Infinity', value: 'Infinity' },
    { name: 'negative', value: '-1' },
    { name: '20 digits', value: '12345678901234567890' },
    { name: 'hex', value: '0x10' },
  ];
  const types = typeof schema.type === 'string' ? [schema.type] : ((schema.type as string[]) ?? []);
  return [
    ...(types.includes('integer') || types.includes('number') ? numeric : []),
    { name: 'NUL', value: 'a\u0000b' },
    { name: 'lone surrogate', value: 'a\ud800b' },
    { name: 'empty', value: '' },
    { name: '10,000 chars', value: 'z'.repeat(10_000) },
    ...sqlTexts,
    ...(typeof schema.maxLength === 'number' && schema.maxLength < 10_000
      ? [{ name: `maxLength+1 (${schema.maxLength + 1})`, value: 'y'.repeat(schema.maxLength + 1) }]
      : []),
  ];
}

/**
 * Encodes a path segment or query value. A lone surrogate has no UTF-8 form, so it goes
 * as the bytes a careless encoder (WTF-8) writes for it: the server must refuse them cleanly.
 */
export function encodeText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff)
      out +=
        `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(char);
  }
  return out;
}

export const hasNul = (value: unknown): boolean => somewhere(value, (s) => s.includes('\u0000'));
export const hasLoneSurrogate = (value: unknown): boolean =>
  somewhere(value, (s) => /[\ud800-\udfff]/u.test(s));

/** True when some string (key or value) of a JSON value passes `test`; iterative, so 10,000 deep is fine. */
export function somewhere(value: unknown, test: (s: string) => boolean): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string' && test(item)) return true;
    if (Array.isArray(item)) stack.push(...(item as unknown[]));
    else if (item !== null && typeof item === 'object')
      for (const [key, sub] of Object.entries(item)) {
        if (test(key)) return true;
        stack.push(sub);
      }
  }
  return false;
}

export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (item !== null && typeof item === 'object')
      for (const sub of Object.values(item)) stack.push([sub, depth + 1]);
  }
  return deepest;
}

/**
 * One ajv holding every schema of schemas/, for the schemas the corpus writes
 * itself: OpenAPI parameters and the broker routes that have no schema file.
 */
let ajv: Ajv2020 | undefined;
const compiled = new WeakMap<Schema, ValidateFunction>();
export function validates(schema: Schema, value: unknown): boolean {
  if (!ajv) {
    ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    for (const file of schemaRegistry().files) ajv.addSchema(file.schema);
  }
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate(value);
}

/**
 * What a value sent where `schema` applies must get: refused (a 4xx, nothing
 * written) when the schema refuses it, when it holds NUL, or when it is nested
 * deeper than any request needs; otherwise it is valid input and may be
 * accepted, but then stored faithfully (`tolerated`).
 */
export type Expect = 'refused' | 'tolerated';
export const MAX_SANE_DEPTH = 64;
export function expectFor(schema: Schema, value: unknown): Expect {
  if (hasNul(value) || depthOf(value) > MAX_SANE_DEPTH) return 'refused';
  return validates(schema, value) ? 'tolerated' : 'refused';
}

/** A query value or path segment as its schema would read it: numbers for numeric schemas. */
export function asParameter(schema: Schema, text: string): unknown {
  const types = typeof schema.type === 'string' ? [schema.type] : ((schema.type as string[]) ?? []);
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(text))
    return Number(text);
  return text;
}
