import {
  breaksIn,
  diffSchemas,
  type Direction,
  type JsonSchema,
  type SchemaChange,
} from './schema-diff.js';
import { refResolver, type SchemaSet } from './schema-set.js';

// What the API documents under schemas/ say each schema is: an HTTP request
// body or a response of one status (OpenAPI), a message a client sends or
// one the server sends (AsyncAPI). That decides the direction a change is
// judged in, and an operation, status or message that disappears breaks
// whoever used it.

/** Where in an API an exchange happens, for finding the pact interactions that take part in it. */
export type ExchangeSite =
  | { kind: 'request'; method: string; path: string }
  /** `status` as the document writes it: `200`, `4XX` or `default`. */
  | { kind: 'response'; method: string; path: string; status: string }
  | { kind: 'message'; name: string }
  /** A schema file that no API document exchanges (its direction is unknown). */
  | { kind: 'schema' };

/** One place a schema is exchanged, e.g. `POST /api/threads 201` or `events start_run`. */
export interface Exchange {
  /** The API document it is described in, e.g. `openapi/backend.yaml`. */
  document: string;
  name: string;
  direction: Direction;
  schema: JsonSchema;
  site: ExchangeSite;
}

export interface ReviewedChange extends SchemaChange {
  /** The API document, or the schema file when no API document exchanges it. */
  document: string;
  /** The exchange it is a change of, and where that exchange happens. */
  exchange: string;
  /** `unknown` for a schema file no API document exchanges: breaking if it would break either way. */
  direction: Direction | 'unknown';
  site: ExchangeSite;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

/** The exchanges of every OpenAPI and AsyncAPI document in the set. */
export function exchangesOf(set: SchemaSet): Exchange[] {
  const exchanges: Exchange[] = [];
  const resolve = refResolver(set, set);
  /** Follows a document's own `$ref`s (a shared response, a component message). */
  const follow = (value: unknown): unknown => {
    for (let hops = 0; isNode(value) && typeof value.$ref === 'string' && hops < 32; hops++)
      value = resolve(value.$ref, 'before');
    return value;
  };
  for (const [document, doc] of set) {
    if (!isNode(doc)) continue;
    const add = (name: string, direction: Direction, schema: unknown, site: ExchangeSite) => {
      if (isNode(schema) || typeof schema === 'boolean')
        exchanges.push({ document, name, direction, schema, site });
    };
    const json = (content: unknown) => {
      const media = follow(content);
      if (!isNode(media)) return undefined;
      const body = media['application/json'] ?? media['application/problem+json'];
      return isNode(body) ? body.schema : undefined;
    };
    if (typeof doc.openapi === 'string' && isNode(doc.paths)) {
      for (const [path, item] of Object.entries(doc.paths)) {
        if (!isNode(item)) continue;
        for (const method of METHODS) {
          const operation = item[method];
          if (!isNode(operation)) continue;
          const name = `${method.toUpperCase()} ${path}`;
          const request = follow(operation.requestBody);
          if (isNode(request))
            add(`${name} request`, 'accepted', json(request.content), {
              kind: 'request',
              method: method.toUpperCase(),
              path,
            });
          const responses = isNode(operation.responses) ? operation.responses : {};
          for (const [status, response] of Object.entries(responses)) {
            const answer = follow(response);
            const schema = isNode(answer) ? json(answer.content) : undefined;
            // A response without a body (204) still is one a consumer may expect.
            add(`${name} ${status}`, 'produced', schema ?? {}, {
              kind: 'response',
              method: method.toUpperCase(),
              path,
              status,
            });
          }
        }
      }
    }
    if (typeof doc.asyncapi === 'string' && isNode(doc.operations)) {
      for (const operation of Object.values(doc.operations)) {
        if (!isNode(operation)) continue;
        // The server receives what clients send (accepted), and sends and replies the rest.
        const received = operation.action === 'receive';
        const messages = (list: unknown, direction: Direction) => {
          for (const ref of Array.isArray(list) ? list : []) {
            const message = follow(ref);
            if (!isNode(message)) continue;
            const name =
              typeof message.name === 'string' ? message.name : String((ref as Node).$ref);
            // AsyncAPI 3 wraps a payload of another schema format in {schemaFormat, schema}.
            const payload = message.payload;
            add(
              name,
              direction,
              isNode(payload) && 'schemaFormat' in payload ? payload.schema : payload,
              { kind: 'message', name },
            );
          }
        };
        messages(operation.messages, received ? 'accepted' : 'produced');
        if (isNode(operation.reply)) messages(operation.reply.messages, 'produced');
      }
    }
  }
  // A message replied by several operations is one exchange.
  const unique = new Map(
    exchanges.map((e) => [`${e.document}\u0000${e.name}\u0000${e.direction}`, e]),
  );
  return [...unique.values()];
}

/**
 * Every change of every exchange between two schema sets: an exchange gone
 * from `after` is a breaking change of its own; one new in `after` is listed
 * as safe; one in both is compared schema by schema, in its direction.
 */
export function reviewSchemas(before: SchemaSet, after: SchemaSet): ReviewedChange[] {
  const resolve = refResolver(before, after);
  const key = (e: Exchange) => `${e.document}\u0000${e.name}\u0000${e.direction}`;
  const old = new Map(exchangesOf(before).map((e) => [key(e), e]));
  const now = new Map(exchangesOf(after).map((e) => [key(e), e]));
  const changes: ReviewedChange[] = [];
  for (const [id, was] of old) {
    const is = now.get(id);
    const where = {
      document: was.document,
      exchange: was.name,
      direction: was.direction,
      site: was.site,
    };
    if (!is) {
      changes.push({
        ...where,
        path: '/',
        kind: 'exchange-removed',
        breaking: true,
        detail: `${was.name} removed`,
      });
      continue;
    }
    for (const change of diffSchemas(was.schema, is.schema, { direction: was.direction, resolve }))
      changes.push({ ...where, ...change });
  }
  for (const [id, is] of now)
    if (!old.has(id))
      changes.push({
        document: is.document,
        exchange: is.name,
        direction: is.direction,
        site: is.site,
        path: '/',
        kind: 'exchange-added',
        breaking: false,
        detail: `${is.name} added`,
      });
  return [...changes, ...unexchangedChanges(before, after, [...old.values(), ...now.values()])];
}

export const NOT_EXCHANGED = 'no API document';

/**
 * The changes of schema files that no exchange reaches (a schema only a
 * service's own code or a manifest uses): compared without a direction, each
 * change breaking if it would break readers or writers.
 */
function unexchangedChanges(
  before: SchemaSet,
  after: SchemaSet,
  exchanges: readonly Exchange[],
): ReviewedChange[] {
  const reached = new Set<string>();
  const visit = (value: unknown, sides: SchemaSet[]) => {
    if (Array.isArray(value)) for (const item of value) visit(item, sides);
    if (!isNode(value)) return;
    for (const [name, member] of Object.entries(value)) {
      if (name === '$ref' && typeof member === 'string') {
        const file = member.split('#')[0] ?? '';
        if (reached.has(file)) continue;
        reached.add(file);
        for (const side of sides) visit(side.get(file), sides);
      } else visit(member, sides);
    }
  };
  for (const exchange of exchanges) {
    reached.add(exchange.document);
    visit(exchange.schema, [before, after]);
  }
  const resolve = refResolver(before, after);
  const changes: ReviewedChange[] = [];
  for (const file of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(file);
    const is = after.get(file);
    if (reached.has(file) || isApiDocument(was) || isApiDocument(is)) continue;
    const where = {
      document: file,
      exchange: NOT_EXCHANGED,
      direction: 'unknown' as const,
      site: { kind: 'schema' as const },
    };
    if (was === undefined || is === undefined) {
      changes.push({
        ...where,
        path: '/',
        kind: is === undefined ? 'exchange-removed' : 'exchange-added',
        breaking: is === undefined,
        detail: `schema file ${is === undefined ? 'removed' : 'added'}`,
      });
      continue;
    }
    for (const change of diffSchemas(was, is, { direction: 'produced', resolve }))
      changes.push({
        ...where,
        ...change,
        breaking: breaksIn(change.kind, 'produced') || breaksIn(change.kind, 'accepted'),
      });
  }
  return changes;
}

const isApiDocument = (doc: unknown) =>
  isNode(doc) && (typeof doc.openapi === 'string' || typeof doc.asyncapi === 'string');
