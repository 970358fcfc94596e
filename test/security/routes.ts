import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../src/runtime/paths.js';
import { schemaIdBase } from '../../src/schemas/schema-files.js';
import type { Schema } from './schema-arbitrary.js';

// Every route the corpus attacks, with the schema of each input. auth-service
// and backend-api come from their OpenAPI documents and the /ws client frames
// from the AsyncAPI document, so a route documented there is attacked without
// an edit here; the broker has no OpenAPI document, so its routes are read
// from its express app (coverage.test.ts) and annotated below.

export type Service = 'auth' | 'backend' | 'broker';
export type Auth = 'none' | 'bearer' | 'basic' | 'broker';

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema;
}

export interface HttpRoute {
  service: Service;
  method: string;
  /** OpenAPI style: `/api/threads/{thread_id}`. */
  path: string;
  params: Param[];
  /** The body's schema; undefined for a route that reads no body. */
  body: Schema | undefined;
  /** The schemas/ name of the body, when it has a file (valid bodies are generated from it). */
  bodyName: string | undefined;
  auth: Auth;
  /** Every method the path answers, for the wrong-method case. */
  methods: string[];
}

export interface FrameRoute {
  type: string;
  /** schemas/ name of the frame, e.g. `events/subscribe`. */
  schemaName: string;
}

export const routeKey = (route: { method: string; path: string }) =>
  `${route.method} ${route.path}`;

const ref = (name: string): Schema => ({ $ref: `${schemaIdBase}${name}.json` });
const nameOf = (id: string) => id.slice(schemaIdBase.length).replace(/\.json$/, '');

type Doc = Record<string, unknown>;
const readDoc = (file: string): Doc =>
  parse(readFileSync(join(packageRoot(), 'schemas', file), 'utf8')) as Doc;

/** Follows a local `#/...` pointer of a document. */
function pointer(doc: Doc, value: unknown): Doc {
  let current = value as Doc;
  while (typeof current.$ref === 'string' && current.$ref.startsWith('#/')) {
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce<Doc>((at, part) => at[part] as Doc, doc);
  }
  return current;
}

/** A schema of an API document with its file references made absolute `$id`s. */
function absolute(schema: Doc, file: string): Schema {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && !value.startsWith('#')
      ? new URL(value, `${schemaIdBase}${file}`).href
      : value,
  ) as Schema;
}

const httpMethods = ['get', 'post', 'put', 'patch', 'delete'];

export function openApiRoutes(service: 'auth' | 'backend'): HttpRoute[] {
  const file = `openapi/${service}.yaml`;
  const doc = readDoc(file);
  const routes: HttpRoute[] = [];
  for (const [path, raw] of Object.entries(doc.paths as Record<string, Doc>)) {
    const item = pointer(doc, raw);
    const methods = httpMethods.filter((m) => m in item).map((m) => m.toUpperCase());
    for (const method of methods) {
      const op = pointer(doc, item[method.toLowerCase()]);
      const params = [...((item.parameters ?? []) as Doc[]), ...((op.parameters ?? []) as Doc[])]
        .map((p) => pointer(doc, p))
        .map((p) => ({
          name: String(p.name),
          in: p.in as Param['in'],
          schema: absolute(p.schema as Doc, file),
        }));
      const bodySchema = (
        pointer(doc, op.requestBody ?? {}).content as Record<string, { schema: Doc }> | undefined
      )?.['application/json']?.schema;
      const body = bodySchema ? absolute(bodySchema, file) : undefined;
      const security = (op.security ?? doc.security ?? []) as Record<string, unknown>[];
      const scheme = Object.keys(security[0] ?? {})[0];
      routes.push({
        service,
        method,
        path,
        params,
        body,
        bodyName: typeof body?.$ref === 'string' ? nameOf(body.$ref) : undefined,
        auth: scheme === 'bearerAuth' ? 'bearer' : scheme === 'serviceBasic' ? 'basic' : 'none',
        methods,
      });
    }
  }
  return routes;
}

/** The client frames of /ws: the messages of the AsyncAPI `receive` operations. */
export function frameRoutes(): FrameRoute[] {
  const doc = readDoc('asyncapi/events.yaml');
  const frames: FrameRoute[] = [];
  for (const op of Object.values(doc.operations as Record<string, Doc>)) {
    if (op.action !== 'receive') continue;
    for (const message of op.messages as Doc[]) {
      const payload = pointer(doc, message).payload as { schema: Doc };
      const id = new URL(String(payload.schema.$ref), `${schemaIdBase}asyncapi/events.yaml`).href;
      const schemaName = nameOf(id);
      const schema = JSON.parse(
        readFileSync(join(packageRoot(), 'schemas', `${schemaName}.json`), 'utf8'),
      ) as { properties: { type: { const: string } } };
      frames.push({ type: schema.properties.type.const, schemaName });
    }
  }
  return frames;
}

// --- the broker ------------------------------------------------------------

const brokerName = ref('broker/name');

/** Path parameters of the broker by name. */
export const brokerParams: Record<string, Schema> = {
  name: brokerName,
  provider: brokerName,
  consumer: brokerName,
  version: brokerName,
  tag: brokerName,
  branch: brokerName,
  environment: brokerName,
  uuid: { type: 'string', minLength: 1 },
  sha: { type: 'string', minLength: 1 },
  number: { type: 'string', minLength: 1 },
  metadata: { type: 'string', minLength: 1 },
};

const page: Param[] = [
  { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10_000 } },
  { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10_000 } },
];
const search = (name: string): Param => ({ name, in: 'query', schema: { type: 'string' } });
// The Pact Broker reads any value but `true` as false.
const flag: Schema = { type: 'string' };
// Reads look names up: one that cannot exist finds nothing, which is no error.
const q = (name: string, schema: Schema = { type: 'string' }): Param => ({
  name,
  in: 'query',
  schema,
});

/** Query parameters of the broker's routes. */
export const brokerQueries: Record<string, Param[]> = {
  'GET /pacticipants': [...page, search('q')],
  'GET /pacticipants/{name}/versions': page,
  'GET /pacticipants/{name}/branches': [search('q')],
  'GET /pacticipants/{name}/branches/{branch}/versions': page,
  'GET /environments': [search('name')],
  'GET /matrix': [
    q('q[][pacticipant]'),
    q('q[][version]'),
    q('latestby'),
    q('limit', { type: 'integer', minimum: 1 }),
    q('success[]', flag),
    q('tag'),
    q('environment'),
    q('latest', flag),
    q('mainBranch', flag),
  ],
  'GET /can-i-deploy': [
    q('pacticipant'),
    q('version'),
    q('to'),
    q('environment'),
    q('latest', flag),
    q('mainBranch', flag),
  ],
};

const webhook = 'broker/webhook-request';
const pacticipant = 'broker/pacticipant-request';
const verification = 'broker/verification-result-request';
const environment = 'broker/environment-request';

/**
 * The body of each broker route that writes: a schemas/ name, an inline schema
 * for the routes that have no schema file (the rules the route itself
 * applies, with names by broker/name), or null for a route that reads no body.
 * coverage.test.ts fails on a POST, PUT or PATCH route missing here.
 */
export const brokerBodies: Record<string, string | Schema | null> = {
  'POST /contracts/publish': 'broker/publish-contracts-request',
  'POST /pacticipants': pacticipant,
  'PUT /pacticipants/{name}': pacticipant,
  'PATCH /pacticipants/{name}': pacticipant,
  'PUT /pacticipants/{name}/versions/{version}': {
    type: 'object',
    properties: {
      buildUrl: { type: ['string', 'null'] },
      tags: {
        type: 'array',
        items: { type: 'object', required: ['name'], properties: { name: brokerName } },
      },
    },
  },
  'PUT /pacticipants/{name}/versions/{version}/tags/{tag}': null,
  'PUT /pacticipants/{name}/branches/{branch}/versions/{version}': null,
  'POST /webhooks': webhook,
  'POST /webhooks/provider/{provider}/consumer/{consumer}': webhook,
  'POST /pacts/provider/{provider}/consumer/{consumer}/webhooks': webhook,
  'POST /webhooks/provider/{provider}': webhook,
  'POST /webhooks/consumer/{consumer}': webhook,
  'POST /webhooks/execute': webhook,
  'PUT /webhooks/{uuid}': webhook,
  'POST /webhooks/{uuid}/execute': null,
  'PUT /pacts/provider/{provider}/consumer/{consumer}/version/{version}': { type: 'object' },
  'POST /pacts/provider/{provider}/for-verification': 'broker/pacts-for-verification-request',
  'POST /pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results':
    verification,
  'POST /pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results':
    verification,
  'POST /environments': environment,
  'PUT /environments/{uuid}': environment,
  'POST /pacticipants/{name}/versions/{version}/deployed-versions/environment/{uuid}': {
    type: 'object',
    properties: {
      applicationInstance: { type: ['string', 'null'] },
      target: { type: ['string', 'null'] },
    },
  },
  'PATCH /deployed-versions/{uuid}': {
    type: 'object',
    properties: { currentlyDeployed: { type: 'boolean' } },
  },
  'POST /pacticipants/{name}/versions/{version}/released-versions/environment/{uuid}': null,
  'PATCH /released-versions/{uuid}': {
    type: 'object',
    properties: { currentlySupported: { type: 'boolean' } },
  },
};
// PATCH merges what PUT replaces; the same rules hold.
brokerBodies['PATCH /pacticipants/{name}/versions/{version}'] =
  brokerBodies['PUT /pacticipants/{name}/versions/{version}']!;
brokerBodies['PATCH /pacts/provider/{provider}/consumer/{consumer}/version/{version}'] =
  brokerBodies['PUT /pacts/provider/{provider}/consumer/{consumer}/version/{version}']!;

/** Express routes (`/pacticipants/:name`) as broker routes, with their inputs. */
export function brokerRoutes(expressRoutes: { method: string; path: string }[]): HttpRoute[] {
  const byPath = new Map<string, string[]>();
  for (const { method, path } of expressRoutes)
    byPath.set(path, [...(byPath.get(path) ?? []), method]);
  return expressRoutes
    .filter(({ path }) => path !== '/healthz' && path !== '/readyz')
    .map(({ method, path: expressPath }) => {
      const path = expressPath.replace(/:(\w+)/g, '{$1}');
      const key = routeKey({ method, path });
      const body = brokerBodies[key];
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      return {
        service: 'broker' as const,
        method,
        path,
        params: [
          ...names.map((name) => ({
            name,
            in: 'path' as const,
            schema: brokerParams[name] ?? { type: 'string' },
          })),
          ...(brokerQueries[key] ?? []),
        ],
        body: typeof body === 'string' ? ref(body) : (body ?? undefined),
        bodyName: typeof body === 'string' ? body : undefined,
        auth: 'broker' as const,
        methods: byPath.get(expressPath) ?? [method],
      };
    });
}

/** The broker's read-only token may also ask which pacts to verify. */
export const readTokenMay = (route: HttpRoute) =>
  ['GET', 'HEAD'].includes(route.method) ||
  (route.method === 'POST' && route.path === '/pacts/provider/{provider}/for-verification');

/** The routes an express app serves (`HEAD` is implied by `GET`; `.all()` handlers answer 405). */
export function expressRoutes(app: unknown): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths)
          for (const method of Object.keys(layer.route.methods))
            if (method !== '_all') found.push({ method: method.toUpperCase(), path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack);
  return found;
}
