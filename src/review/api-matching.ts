import { decodePointerToken, isObject } from '../contracts/json-values.js';
import {
  pathParameters,
  statusKeyFor,
  templateFor,
  templateKey,
} from '../contracts/openapi-matching.js';
import type { ExchangeSite } from './exchanges.js';
import type { ReadInteraction } from './pact-reading.js';
import type { JsonSchema } from './schema-diff.js';

// Which parts of an API a pact interaction takes part in, and with which
// instances: the request, parameters and response of an HTTP operation
// (matched by method, path template and status), or the messages of an
// AsyncAPI document or a frame schema (matched by the constant members that
// tell one message from another, e.g. `type: subscribe`).

/** A provider's message exchanges, each with what it is told apart by. */
export interface MessageShape {
  name: string;
  /** Sent by clients (accepted) or by the service (produced). */
  sentByClient: boolean;
  /** Members whose value is fixed (`const`, or a one-value `enum`), e.g. `{type: 'subscribe'}`. */
  constants: Record<string, unknown>;
}

/** What the review knows of one API document as one side has it. */
export interface ApiIndex {
  sites: ExchangeSite[];
  shapes: MessageShape[];
  /** The base paths of its servers (OpenAPI), e.g. `/v1`; `''` for the root. */
  basePaths: string[];
}

/** The constant members of a message schema, through `$ref`s and `allOf`. */
export function constantsOf(
  schema: JsonSchema,
  resolve: (ref: string) => JsonSchema,
): Record<string, unknown> {
  const constants: Record<string, unknown> = {};
  const visit = (node: unknown, depth: number) => {
    if (!isObject(node) || depth > 32) return;
    if (typeof node.$ref === 'string') visit(resolve(node.$ref), depth + 1);
    if (Array.isArray(node.allOf)) for (const part of node.allOf) visit(part, depth + 1);
    if (!isObject(node.properties)) return;
    for (const [name, property] of Object.entries(node.properties)) {
      let target: unknown = property;
      for (let hops = 0; isObject(target) && typeof target.$ref === 'string' && hops < 32; hops++)
        target = resolve(target.$ref);
      if (!isObject(target)) continue;
      if ('const' in target) constants[name] = target.const;
      else if (Array.isArray(target.enum) && target.enum.length === 1)
        constants[name] = target.enum[0];
    }
  };
  visit(schema, 0);
  return constants;
}

/**
 * The messages of `shapes` one message instance is: those whose constant
 * members it has. One that matches none is attributed to every message
 * without constant members, which cannot be told apart from it.
 */
function messagesMatching(
  instance: unknown,
  shapes: readonly MessageShape[],
  sentByClient: boolean,
): string[] {
  const candidates = shapes.filter((shape) => shape.sentByClient === sentByClient);
  const keyed = candidates.filter((shape) => Object.keys(shape.constants).length > 0);
  const matched = keyed.filter(
    (shape) =>
      isObject(instance) &&
      Object.entries(shape.constants).every(([name, value]) => sameValue(instance[name], value)),
  );
  if (matched.length > 0) return matched.map((shape) => shape.name);
  return candidates.filter((shape) => !keyed.includes(shape)).map((shape) => shape.name);
}

/**
 * Whether a member of a message is a constant of a schema. Constants are
 * shallow; comparing no deeper than they can reasonably be keeps a frame
 * nested thousands of levels deep (a pact is not trusted input) cheap.
 */
function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (depth > 16 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return (
    keys.length === Object.keys(y).length &&
    keys.every((key) => Object.hasOwn(y, key) && sameValue(x[key], y[key], depth + 1))
  );
}

type HttpSite = Extract<ExchangeSite, { method: string }>;

/**
 * The instances an interaction exchanges at one site of its provider's API,
 * as `api` (the side the site is of) has it: the request body, the
 * parameters of one place or the response body of an HTTP operation
 * (`undefined` for a body it does not have), or every message of a kind;
 * none when it does not take part there.
 */
export function instancesAt(
  site: ExchangeSite,
  interaction: ReadInteraction,
  api: ApiIndex,
): unknown[] {
  if (site.kind === 'message') {
    const shape = api.shapes.find((s) => s.name === site.name);
    if (!shape) return [];
    const pool = shape.sentByClient ? interaction.sent : interaction.received;
    return pool.filter((message) =>
      messagesMatching(message, api.shapes, shape.sentByClient).includes(site.name),
    );
  }
  const http = interaction.http;
  // A schema no API document exchanges cannot be matched to an interaction.
  if (site.kind === 'schema' || !http || site.method !== http.method) return [];
  const sameMethod = api.sites.filter(
    (s): s is HttpSite => 'method' in s && s.method === http.method,
  );
  const template = templateFor(new Set(sameMethod.map((s) => s.path)), http.path, api.basePaths);
  if (template === undefined || templateKey(template) !== templateKey(site.path)) return [];
  switch (site.kind) {
    case 'request':
      // An interaction expecting its request refused (a thread without a
      // title, 422) checks a refusal that a tightened request schema keeps:
      // request bodies are judged by the interactions they must get through.
      return http.status >= 200 && http.status < 400 ? [http.requestBody] : [];
    case 'parameters':
      if (site.in === 'query') return [http.query];
      if (site.in === 'header') return [http.headers];
      return [pathParameters(site.path, http.path, api.basePaths) ?? {}];
    case 'response': {
      const statuses = sameMethod.flatMap((s) =>
        s.kind === 'response' && templateKey(s.path) === templateKey(site.path) ? [s.status] : [],
      );
      return statusKeyFor(statuses, http.status) === site.status ? [http.responseBody] : [];
    }
  }
}

/**
 * The values at an instance path of the review's form (`/items/[]/name`:
 * members by name, `[]` any item of an array, `*` any member of a map).
 */
export function valuesAt(instance: unknown, path: string): unknown[] {
  let values = [instance];
  for (const raw of path.split('/').filter((segment) => segment !== '')) {
    const segment = decodePointerToken(raw);
    values = values.flatMap((value) => {
      if (segment === '[]') return Array.isArray(value) ? (value as unknown[]) : [];
      if (!isObject(value)) return [];
      if (segment === '*') return Object.values(value);
      return Object.hasOwn(value, segment) ? [value[segment]] : [];
    });
  }
  return values;
}
