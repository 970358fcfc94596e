import fc from 'fast-check';
import {
  DEEP,
  DEPTH,
  KB100,
  asParameter,
  deepJson,
  encodeText,
  expectFor,
  hasNul,
  hostileNumbers,
  hostileStrings,
  hostileTexts,
  sqlTexts,
  wrongTypes,
  type Expect,
  type Hostile,
} from './hostile.js';
import { routeKey, type Auth, type FrameRoute, type HttpRoute, type Param } from './routes.js';
import {
  child,
  locate,
  resolve,
  typesOf,
  validValues,
  type Located,
  type Schema,
} from './schema-arbitrary.js';

// The cases: for each route, every input (path segment, query value, header,
// body member) tried with each hostile value of its type, every required
// member left out, unknown members added, whole bodies that are not what the
// route reads, forged credentials, another tenant's ids, and a wrong method.
// Building them needs no server, so summary.ts counts them from here.

/** What the services under test hold: valid inputs to start each case from. */
export interface Fixture {
  /** A valid value of a path parameter, query or header of a route (undefined: leave it out). */
  value(route: HttpRoute, param: Param): string | undefined;
  /** Another tenant's id for a path parameter, where tenants exist. */
  foreign(route: HttpRoute, param: Param): string | undefined;
  /** A valid body of a route that reads one. */
  body(route: HttpRoute): unknown;
  /** The credentials a route needs. */
  credentials(auth: Auth): Record<string, string>;
  /** Credentials that must be refused, by name. */
  forged(auth: Auth): { name: string; headers: Record<string, string> }[];
  /** Credentials that may read but not write (the broker's read-only token). */
  readOnly?: Record<string, string>;
}

export interface HttpRequest {
  method: string;
  /** Path and query, encoded. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export type CaseExpect = Expect | 'same-as-missing';

export interface HttpCase {
  route: string;
  name: string;
  expect: CaseExpect;
  request: HttpRequest;
  /** For `same-as-missing`: the same request naming an id that does not exist. */
  twin?: HttpRequest;
  /** What the answer must not contain (a secret of a malformed body). */
  noEcho?: string;
  /** The hostile value, for the report and the faithfulness check. */
  sent?: unknown;
}

export interface FrameCase {
  route: string;
  name: string;
  expect: CaseExpect;
  /** The frame as sent. */
  data: string | Buffer;
  twin?: string;
  /** A documented close code the socket must be closed with instead of an error frame. */
  closes?: number;
  noEcho?: string;
  sent?: unknown;
}

const SECRET = 'hunter2-corpus-secret';
/** Unparseable JSON holding a secret the answer must not echo. */
export const malformed = `{"password": "${SECRET}", oops}`;

const DEEP_MARK = '\u0001deep\u0001';

/** JSON text of a value that may hold DEEP (which JSON.stringify would recurse into). */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v === DEEP ? DEEP_MARK : v));
  return text.replaceAll(JSON.stringify(DEEP_MARK), deepJson(DEPTH));
}

// --- inputs and their schemas ------------------------------------------------

type Path = (string | number)[];

/** Every member of a body (object members and array items), outermost first. */
export function members(value: unknown, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, v]) => [[...at, key], ...members(v, [...at, key])]);
}

/** Whether a schema says anything about the members of its value. */
const describesMembers = (s: Schema): boolean =>
  'properties' in s ||
  'items' in s ||
  typeof s.additionalProperties === 'object' ||
  ((s.anyOf ?? s.oneOf) as Schema[] | undefined)?.some(describesMembers) === true;

/**
 * The members of a body its schema describes: inside free-form JSON (a pact,
 * a webhook's body) every member is as valid as any other, so the corpus
 * stops at its edge.
 */
export function describedMembers(value: unknown, schema: Located, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, v]) => {
    const sub = schemaAt(schema, [key]);
    const path = [...at, key];
    return [path, ...(describesMembers(sub.schema) ? describedMembers(v, sub, path) : [])];
  });
}

/** The schema that applies at `path` of a value of `at`. */
export function schemaAt(at: Located, path: Path): Located {
  let here = resolve(at);
  for (const key of path) {
    const s = here.schema;
    const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (alternatives) {
      const objectish = alternatives
        .map((alt) => child(here, alt))
        .find((alt) => ['object', 'array'].some((t) => typesOf(alt.schema).includes(t)));
      if (objectish) here = objectish;
    }
    const { schema } = here;
    if (typeof key === 'number') here = child(here, schema.items);
    else {
      const properties = (schema.properties ?? {}) as Record<string, unknown>;
      here =
        key in properties
          ? child(here, properties[key])
          : child(
              here,
              typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {},
            );
    }
  }
  return here;
}

const clone = <T>(value: T): T => structuredClone(value);

function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = clone(value);
  let holder = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  holder[path.at(-1)!] = replacement;
  return copy;
}

function removeAt(value: unknown, path: Path): unknown {
  const copy = clone(value);
  let holder = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  if (Array.isArray(holder)) holder.splice(Number(path.at(-1)), 1);
  else delete holder[path.at(-1)!];
  return copy;
}

const pointerOf = (path: Path) => `/${path.join('/')}`;

/** The hostile values of an input of schema `at`: by its types, and every type it does not take. */
export function hostileValues(at: Located): Hostile[] {
  const types = typesOf(at.schema);
  return [
    ...(types.includes('string') ? hostileStrings(at.schema) : []),
    ...(types.includes('integer') || types.includes('number') ? hostileNumbers : []),
    ...wrongTypes(types),
  ];
}

// --- HTTP ------------------------------------------------------------------

const located = (schema: Schema): Located => ({
  schema,
  base: typeof schema.$ref === 'string' ? schema.$ref : locate('common/uuid').base,
});

interface Inputs {
  values: Map<Param, string | undefined>;
  body: unknown;
  headers: Record<string, string>;
  contentType?: string;
  rawBody?: string;
}

function requestOf(route: HttpRoute, inputs: Inputs): HttpRequest {
  let path = route.path;
  const query: string[] = [];
  const headers: Record<string, string> = { ...inputs.headers };
  for (const [param, value] of inputs.values) {
    if (param.in === 'path') path = path.replace(`{${param.name}}`, encodeText(value ?? ''));
    else if (value !== undefined && param.in === 'query')
      query.push(`${encodeText(param.name)}=${encodeText(value)}`);
    else if (value !== undefined) headers[param.name] = value;
  }
  const body = inputs.rawBody ?? (inputs.body === undefined ? undefined : toJson(inputs.body));
  if (body !== undefined) headers['content-type'] = inputs.contentType ?? 'application/json';
  return {
    method: route.method,
    url: `${path}${query.length > 0 ? `?${query.join('&')}` : ''}`,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

/** A header value fetch can carry (it refuses NUL, CR, LF and anything outside Latin-1). */
const sendableHeader = (value: string) => /^[\t\x20-\x7e]*$/.test(value) && value.length < 8_000;

function baseInputs(route: HttpRoute, fx: Fixture): Inputs {
  return {
    values: new Map(route.params.map((p) => [p, fx.value(route, p)])),
    body: route.body ? fx.body(route) : undefined,
    headers: fx.credentials(route.auth),
  };
}

/** The enumerated corpus of one HTTP route. */
export interface CaseOptions {
  /** A route whose body schema an earlier route already met with the whole catalogue. */
  sibling?: boolean;
}
const siblingSet = new Set([
  'NUL',
  'lone high surrogate',
  'SQL: drop',
  'wrong type: string',
  'wrong type: object',
]);

export function httpCases(route: HttpRoute, fx: Fixture, options: CaseOptions = {}): HttpCase[] {
  const key = routeKey(route);
  const cases: HttpCase[] = [];
  const base = baseInputs(route, fx);
  const add = (
    name: string,
    expect: CaseExpect,
    inputs: Partial<Inputs>,
    extra: Partial<HttpCase> = {},
  ) =>
    cases.push({
      route: key,
      name,
      expect,
      request: requestOf(route, { ...base, ...inputs }),
      ...extra,
    });

  for (const param of route.params) {
    const schema = resolve(located(param.schema));
    for (const hostile of hostileTexts(schema.schema)) {
      const text = String(hostile.value);
      // An empty segment names another route (`/api/threads/` is the list).
      if (param.in === 'path' && text === '') continue;
      if (param.in === 'header' && !sendableHeader(text)) continue;
      const values = new Map(base.values).set(param, text);
      const expect = hasNul(text)
        ? 'refused'
        : expectFor(param.schema, asParameter(schema.schema, text));
      add(`${param.in} ${param.name}: ${hostile.name}`, expect, { values }, { sent: text });
    }
    const foreign = param.in === 'path' ? fx.foreign(route, param) : undefined;
    if (foreign !== undefined) {
      const missing = '00000000-0000-4000-8000-000000000000';
      add(
        `${param.in} ${param.name}: another tenant's`,
        'same-as-missing',
        {
          values: new Map(base.values).set(param, foreign),
        },
        { twin: requestOf(route, { ...base, values: new Map(base.values).set(param, missing) }) },
      );
    }
  }

  if (route.body) {
    const body = base.body;
    const schema = located(route.body);
    for (const path of describedMembers(body, schema)) {
      const at = schemaAt(schema, path);
      const values = hostileValues(at);
      for (const hostile of options.sibling
        ? values.filter((h) => siblingSet.has(h.name))
        : values) {
        const mutated = setAt(body, path, hostile.value);
        add(
          `body ${pointerOf(path)}: ${hostile.name}`,
          expectFor(route.body, mutated),
          { body: mutated },
          { sent: hostile.value },
        );
      }
      const without = removeAt(body, path);
      add(`body ${pointerOf(path)}: missing`, expectFor(route.body, without), { body: without });
    }
    const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
    if (isObject) {
      const extra = { ...body, corpus_extra: "'; DROP TABLE x; --" };
      add('body: unknown member', expectFor(route.body, extra), { body: extra });
      const proto = JSON.parse(
        `{"__proto__": {"admin": true}, ${toJson(body).slice(1)}`,
      ) as unknown;
      add('body: __proto__ member', expectFor(route.body, proto), {
        rawBody: `{"__proto__": {"admin": true}, ${toJson(body).slice(1)}`,
      });
      const big = { ...body, corpus_padding: KB100 };
      add('body: 100 KB unknown member', expectFor(route.body, big), { body: big });
    }
    add('body: malformed JSON', 'refused', { rawBody: malformed }, { noEcho: SECRET });
    add('body: text/plain', 'refused', { rawBody: toJson(body), contentType: 'text/plain' });
    add('body: latin1 charset', 'refused', {
      rawBody: toJson(body),
      contentType: 'application/json; charset=latin1',
    });
    add(`body: depth ${DEPTH}`, 'refused', { body: DEEP });
    for (const [name, value] of [
      ['array', []],
      ['string', 'text'],
      ['number', 42],
      ['null', null],
    ] as const)
      add(`body: ${name}`, expectFor(route.body, value), { body: value });
    add('body: none', expectFor(route.body, {}) === 'tolerated' ? 'tolerated' : 'refused', {
      body: undefined,
    });
  }

  for (const forged of fx.forged(route.auth))
    add(`credentials: ${forged.name}`, 'refused', { headers: forged.headers });
  if (route.auth === 'broker' && fx.readOnly && !['GET', 'HEAD'].includes(route.method)) {
    const readOk =
      route.method === 'POST' && route.path === '/pacts/provider/{provider}/for-verification';
    if (!readOk) add('credentials: read-only token', 'refused', { headers: fx.readOnly });
  }

  const wrong = ['PUT', 'DELETE', 'PATCH', 'POST'].find((m) => !route.methods.includes(m));
  if (wrong && route.method === route.methods[0])
    cases.push({
      route: key,
      name: `method ${wrong}`,
      expect: 'refused',
      request: { ...requestOf(route, base), method: wrong },
    });
  return cases;
}

/** Hand-written HTTP cases that need a route's knowledge (cursors, publish rules). */
export function specialHttpCases(route: HttpRoute, fx: Fixture): HttpCase[] {
  const key = routeKey(route);
  const base = baseInputs(route, fx);
  const cases: HttpCase[] = [];
  const cursor = route.params.find((p) => p.name === 'cursor');
  if (cursor) {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = '3c951ac6-7161-4649-9695-eeeebff9c1b8';
    for (const [name, value] of [
      ['leap second', b64(['2020-01-01T23:59:60Z', id])],
      ['year 275760+', b64(['+275761-01-01T00:00:00Z', id])],
      ['SQL in id', b64(['2020-01-01T00:00:00Z', sqlTexts[0]!.value])],
      ['not an array', b64({ at: 1 })],
      ['depth 10,000', Buffer.from(deepJson(DEPTH)).toString('base64url')],
    ] as const)
      cases.push({
        route: key,
        name: `query cursor: ${name}`,
        expect: 'refused',
        request: requestOf(route, { ...base, values: new Map(base.values).set(cursor, value) }),
      });
  }
  const last = /\{(\w+)\}$/.exec(route.path)?.[1];
  if (fx.readOnly && route.method === 'POST' && (last === 'consumer' || last === 'provider')) {
    // A path that ends like the one write the read-only token may make must not pass for it.
    const param = route.params.find((p) => p.name === last)!;
    cases.push({
      route: key,
      name: 'credentials: read-only token, pacticipant named for-verification',
      expect: 'refused',
      request: requestOf(route, {
        ...base,
        headers: fx.readOnly,
        values: new Map(base.values).set(param, 'for-verification'),
      }),
    });
  }
  if (key === 'POST /contracts/publish') {
    const body = fx.body(route) as { contracts: Record<string, unknown>[] };
    const content = (pact: unknown) => Buffer.from(toJson(pact)).toString('base64');
    const pact = JSON.parse(
      Buffer.from(String(body.contracts[0]!.content), 'base64').toString(),
    ) as Record<string, unknown>;
    const withContent = (name: string, text: string, expect: Expect) =>
      cases.push({
        route: key,
        name: `pact content: ${name}`,
        expect,
        request: requestOf(route, {
          ...base,
          body: { ...body, contracts: [{ ...body.contracts[0], content: text }] },
        }),
      });
    withContent(`depth ${DEPTH}`, Buffer.from(deepJson(DEPTH)).toString('base64'), 'refused');
    withContent('not JSON', Buffer.from('not json').toString('base64'), 'refused');
    withContent(
      'NUL in description',
      content({ ...pact, interactions: [{ description: 'a\u0000b' }] }),
      'refused',
    );
    withContent(
      'lone surrogate in description',
      content({
        ...pact,
        interactions: [
          {
            description: 'a\ud800b',
            request: { method: 'GET', path: '/' },
            response: { status: 200 },
          },
        ],
      }),
      'tolerated',
    );
    withContent(
      'SQL in names',
      content({ ...pact, consumer: { name: sqlTexts[1]!.value } }),
      'tolerated',
    );
    cases.push({
      route: key,
      name: 'two pacts for one provider',
      expect: 'refused',
      request: requestOf(route, {
        ...base,
        body: {
          ...body,
          pacticipantVersionNumber: 'corpus-duplicate-provider',
          contracts: [
            body.contracts[0],
            { ...body.contracts[0], content: content({ ...pact, interactions: [] }) },
          ],
        },
      }),
    });
  }
  return cases;
}

export const allHttpCases = (route: HttpRoute, fx: Fixture, options: CaseOptions = {}) => [
  ...httpCases(route, fx, options),
  ...specialHttpCases(route, fx),
];

/**
 * Routes whose body has the same schema as an earlier route's (the scoped
 * webhook routes, PUT and PATCH of one resource) share its validation: they
 * get every member with a few values, not the whole catalogue again.
 */
export function siblings(routes: HttpRoute[]): Set<HttpRoute> {
  const seen = new Set<string>();
  const found = new Set<HttpRoute>();
  for (const route of routes) {
    if (!route.body) continue;
    const key = JSON.stringify(route.body);
    if (seen.has(key)) found.add(route);
    seen.add(key);
  }
  return found;
}

// --- /ws ------------------------------------------------------------------

export interface FrameFixture {
  /** A valid frame of this type. */
  frame(type: string): Record<string, unknown>;
  /** The frame with another tenant's ids, and with ids that do not exist. */
  foreign(type: string): { field: string; foreign: string; missing: string }[];
}

export function frameCases(route: FrameRoute, fx: FrameFixture): FrameCase[] {
  const key = `ws ${route.type}`;
  const frame = fx.frame(route.type);
  const schema = locate(route.schemaName);
  const cases: FrameCase[] = [];
  const add = (name: string, value: unknown, extra: Partial<FrameCase> = {}) =>
    cases.push({
      route: key,
      name,
      expect: expectFor({ $ref: schema.base }, value),
      data: toJson(value),
      ...extra,
    });
  for (const path of members(frame)) {
    for (const hostile of hostileValues(schemaAt(schema, path))) {
      const mutated = setAt(frame, path, hostile.value);
      const data = toJson(mutated);
      // Frames over 64 KiB are closed with 1009, as AsyncAPI documents.
      add(`${pointerOf(path)}: ${hostile.name}`, mutated, {
        sent: hostile.value,
        ...(Buffer.byteLength(data) > 64 * 1024
          ? { closes: 1009, expect: 'refused' as const }
          : {}),
      });
    }
    if (path[0] !== 'type') add(`${pointerOf(path)}: missing`, removeAt(frame, path));
  }
  add('frame: unknown member', { ...frame, corpus_extra: sqlTexts[0]!.value });
  add('frame: type in upper case', { ...frame, type: route.type.toUpperCase() });
  for (const entry of fx.foreign(route.type))
    cases.push({
      route: key,
      name: `${entry.field}: another tenant's`,
      expect: 'same-as-missing',
      data: toJson({ ...frame, [entry.field]: entry.foreign }),
      twin: toJson({ ...frame, [entry.field]: entry.missing }),
    });
  return cases;
}

/** Frames that are no client frame at all. */
export function socketCases(): FrameCase[] {
  const route = 'ws (any frame)';
  const refused = (
    name: string,
    data: string | Buffer,
    extra: Partial<FrameCase> = {},
  ): FrameCase => ({
    route,
    name,
    expect: 'refused',
    data,
    ...extra,
  });
  return [
    refused('malformed JSON', malformed, { noEcho: SECRET }),
    refused('binary frame', Buffer.from('{"type":"ping","id":"1"}')),
    refused('empty', ''),
    refused('array', '[]'),
    refused('string', '"ping"'),
    refused('null', 'null'),
    refused('number', '1e308'),
    refused('no type', '{"id":"1"}'),
    refused('unknown type', '{"type":"drop_tables","id":"1"}'),
    refused('type NUL', '{"type":"ping\\u0000","id":"1"}'),
    refused('type lone surrogate', '{"type":"\\ud800","id":"1"}'),
    refused(`depth ${DEPTH}`, deepJson(DEPTH)),
    refused(`depth ${DEPTH} in an object`, `{"type":"ping","id":"1","x":${deepJson(DEPTH)}}`),
    refused('100 KB', `{"type":"ping","id":"${KB100}"}`, { closes: 1009 }),
    refused('__proto__ member', '{"type":"ping","id":"1","__proto__":{"admin":true}}'),
  ];
}

// --- generated cases (fast-check) -----------------------------------------

/** Any value an attacker could write: the hostile catalogue, and arbitrary JSON and strings. */
const anyHostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    ...hostileStrings().map((h) => h.value),
    ...hostileNumbers.map((h) => h.value),
    ...wrongTypes([]).map((h) => h.value),
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);
const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...hostileTexts().map((h) => String(h.value))),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 64 }),
);

export type Mutation =
  | { at: 'param'; param: number; text: string }
  | { at: 'body'; body: unknown; member: number; value: unknown };

/** Random mutations of a route's inputs: a path, query or header value, or a member of a valid body. */
export function mutations(route: HttpRoute, fx: Fixture): fc.Arbitrary<Mutation> {
  const choices: fc.Arbitrary<Mutation>[] = [];
  if (route.params.length > 0)
    choices.push(
      fc.record({
        at: fc.constant('param' as const),
        param: fc.nat({ max: route.params.length - 1 }),
        text: anyText,
      }),
    );
  if (route.body) {
    const bodies = route.bodyName
      ? fc.oneof(fc.constant(fx.body(route)), validValues(route.bodyName))
      : fc.constant(fx.body(route));
    choices.push(
      fc.record({
        at: fc.constant('body' as const),
        body: bodies,
        member: fc.nat(),
        value: anyHostile,
      }),
    );
  }
  return fc.oneof(...choices);
}

/** Whether a route reads anything a generated case could change. */
export const hasInputs = (route: HttpRoute) => route.params.length > 0 || route.body !== undefined;

export function mutationCase(route: HttpRoute, fx: Fixture, mutation: Mutation): HttpCase {
  const base = baseInputs(route, fx);
  const key = routeKey(route);
  if (mutation.at === 'param') {
    const param = route.params[mutation.param];
    if (!param)
      return {
        route: key,
        name: 'as documented',
        expect: 'tolerated',
        request: requestOf(route, base),
      };
    const text =
      (param.in === 'header' && !sendableHeader(mutation.text)) ||
      (param.in === 'path' && mutation.text === '')
        ? 'x'
        : mutation.text;
    const schema = resolve(located(param.schema)).schema;
    return {
      route: key,
      name: `${param.in} ${param.name}: generated`,
      expect: hasNul(text) ? 'refused' : expectFor(param.schema, asParameter(schema, text)),
      request: requestOf(route, { ...base, values: new Map(base.values).set(param, text) }),
      sent: text,
    };
  }
  const paths = members(mutation.body);
  const path = paths[mutation.member % Math.max(paths.length, 1)];
  const body = path ? setAt(mutation.body, path, mutation.value) : mutation.value;
  return {
    route: key,
    name: `body ${path ? pointerOf(path) : '/'}: generated`,
    expect: expectFor(route.body!, body),
    request: requestOf(route, { ...base, body }),
    sent: mutation.value,
  };
}

/** Random mutations of a valid frame. */
export function frameMutations(
  route: FrameRoute,
): fc.Arbitrary<{ frame: unknown; member: number; value: unknown }> {
  return fc.record({
    frame: validValues(route.schemaName),
    member: fc.nat(),
    value: anyHostile,
  });
}

export function frameMutationCase(
  route: FrameRoute,
  mutation: { frame: unknown; member: number; value: unknown },
): FrameCase {
  const paths = members(mutation.frame).filter((p) => p[0] !== 'type');
  const path = paths[mutation.member % Math.max(paths.length, 1)];
  const frame = path ? setAt(mutation.frame, path, mutation.value) : mutation.frame;
  return {
    route: `ws ${route.type}`,
    name: `${path ? pointerOf(path) : '/'}: generated`,
    expect: expectFor({ $ref: locate(route.schemaName).base }, frame),
    data: toJson(frame),
    sent: mutation.value,
  };
}
