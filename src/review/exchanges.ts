import { isObject } from '../contracts/json-values.js';
import { asyncApiExchanges } from './asyncapi-exchanges.js';
import { frameExchanges, type FrameSchema } from './frame-exchanges.js';
import { openApiExchanges } from './openapi-exchanges.js';
import type { Direction, JsonSchema } from './schema-diff.js';
import { refResolver, type SchemaSet } from './schema-set.js';

// What the API documents under schemas/ say each schema is: an HTTP request
// body, the parameters of one place or a response of one status (OpenAPI),
// a message a client sends or one the server sends (AsyncAPI, and the
// frame schemas the mesh manifest names). That decides the direction a
// change is judged in, and an operation, status or message that disappears
// breaks whoever used it.

/** Where in an API an exchange happens, for finding the pact interactions that take part in it. */
export type ExchangeSite =
  | { kind: 'request'; method: string; path: string }
  /** The parameters of an operation in one place: members by name (headers in lower case). */
  | { kind: 'parameters'; method: string; path: string; in: 'path' | 'query' | 'header' }
  /** `status` as the document writes it: `200`, `4XX` or `default`. */
  | { kind: 'response'; method: string; path: string; status: string }
  | { kind: 'message'; name: string }
  /** A schema file that no API document exchanges (its direction is unknown). */
  | { kind: 'schema' };

/** One place a schema is exchanged, e.g. `POST /api/threads 201` or `start_run`. */
export interface Exchange {
  /** The API document (or frame schema file) it is described in, e.g. `openapi/backend.yaml`. */
  document: string;
  /**
   * What it is, the same on both sides of a review while what shows may
   * change: `GET /items/{} 200` for `GET /items/{id} 200` and `GET
   * /items/{itemId} 200`; a message with its channel.
   */
  id: string;
  name: string;
  direction: Direction;
  schema: JsonSchema;
  site: ExchangeSite;
  /** For a frame schema's variant: the AsyncAPI document that may describe the same frame as a message. */
  restates?: string;
}

/** Follows an API document's own `$ref`s (a path item in another file, a shared response, a component message). */
export type Follow = (value: unknown) => unknown;

export interface SurfaceOptions {
  /** The frame schemas of WebSocket providers (the manifest's `ws.frame-schema` and `ws.client-frame-schema`). */
  frameSchemas?: readonly FrameSchema[];
}

export interface ApiSurface {
  exchanges: Exchange[];
  /** The files the API is described in: the documents, and the path items, responses and messages they reference. */
  files: Set<string>;
}

/** The exchanges of every OpenAPI and AsyncAPI document in the set, and of the frame schemas given. */
export function apiSurface(set: SchemaSet, options: SurfaceOptions = {}): ApiSurface {
  const resolve = refResolver(set, set);
  const files = new Set<string>();
  const follow: Follow = (value) => {
    for (let hops = 0; isObject(value) && typeof value.$ref === 'string' && hops < 32; hops++) {
      files.add(value.$ref.split('#')[0] ?? '');
      value = resolve(value.$ref, 'before');
    }
    return value;
  };
  const exchanges: Exchange[] = [];
  for (const [document, doc] of set) {
    if (!isObject(doc)) continue;
    if (typeof doc.openapi === 'string') {
      files.add(document);
      exchanges.push(...openApiExchanges(document, doc, follow));
    }
    if (typeof doc.asyncapi === 'string') {
      files.add(document);
      exchanges.push(...asyncApiExchanges(document, doc, follow));
    }
  }
  exchanges.push(
    ...frameExchanges(set, options.frameSchemas ?? [], (ref) => resolve(ref, 'before')),
  );
  // A message replied by several operations is one exchange.
  const unique = new Map(exchanges.map((e) => [exchangeKey(e), e]));
  return { exchanges: [...unique.values()], files };
}

/** The key an exchange is found by on the other side of a review. */
export const exchangeKey = (exchange: Exchange): string =>
  [exchange.document, exchange.direction, exchange.id].join('\u0000');
