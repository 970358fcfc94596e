import type { ExchangeSite } from './api-surface.js';
import type { JsonSchema } from './schema-diff.js';

// Which parts of an API a pact interaction takes part in, and with which
// bodies: the request and response of an HTTP operation (matched by method,
// path template and status), or the messages of an AsyncAPI document
// (matched by the constant members that tell one message from another, e.g.
// `type: subscribe`). Pacts of every specification version are read: V2/V3
// HTTP, V3 message pacts and V4 HTTP, synchronous and asynchronous messages,
// and meshpact's WebSocket conversations (`{frames: [...]}`).

/** One interaction as the review reads it: what the consumer sends and what it expects back. */
export interface ReadInteraction {
  description: string;
  http?: {
    method: string;
    path: string;
    status: number;
    /** Undefined when the interaction has no (JSON) body. */
    requestBody?: unknown;
    responseBody?: unknown;
  };
  /** Messages (or WebSocket frames) the consumer sends, and those it expects to receive. */
  sent: unknown[];
  received: unknown[];
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The interactions of a pact file's JSON, whatever its specification version. */
export function interactionsOf(pact: unknown): ReadInteraction[] {
  if (!isNode(pact)) return [];
  const list: unknown[] = [
    ...(Array.isArray(pact.interactions) ? (pact.interactions as unknown[]) : []),
    // A V3 message pact lists its messages apart.
    ...(Array.isArray(pact.messages)
      ? pact.messages.map((m: unknown) => (isNode(m) ? { ...m, type: 'Asynchronous/Messages' } : m))
      : []),
  ];
  return list.filter(isNode).map(readInteraction);
}

function readInteraction(interaction: Node): ReadInteraction {
  const description =
    typeof interaction.description === 'string' ? interaction.description : '(no description)';
  const request = isNode(interaction.request) ? interaction.request : undefined;
  const response = interaction.response;
  const read: ReadInteraction = { description, sent: [], received: [] };
  const type = interaction.type;
  if (type === 'Synchronous/Messages') {
    read.sent = messagesIn(contentOf(request?.contents));
    for (const answer of Array.isArray(response) ? response : [])
      if (isNode(answer)) read.received.push(...messagesIn(contentOf(answer.contents)));
  } else if (type === 'Asynchronous/Messages') {
    read.received = messagesIn(contentOf(interaction.contents));
  } else if (request && isNode(response)) {
    // V4 HTTP wraps each body in {content, contentType}; V2/V3 write it as is.
    const body = (value: unknown) => (typeof type === 'string' ? contentOf(value) : value);
    read.http = {
      method: typeof request.method === 'string' ? request.method.toUpperCase() : 'GET',
      path: typeof request.path === 'string' ? request.path : '/',
      status: typeof response.status === 'number' ? response.status : 200,
      requestBody: body(request.body),
      responseBody: body(response.body),
    };
  }
  return read;
}

/** The JSON of a V4 body or message contents (`{content, contentType, encoded}`), if it is JSON. */
function contentOf(value: unknown): unknown {
  if (!isNode(value) || !('content' in value)) return value;
  const { content, encoded } = value;
  if (typeof content === 'string' && encoded !== undefined && encoded !== false) {
    try {
      const text =
        encoded === 'base64' || encoded === true
          ? Buffer.from(content, 'base64').toString('utf8')
          : content;
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  return content;
}

/** A conversation's frames (`{frames: [...]}`, frames sent as raw text left out), or one message. */
function messagesIn(content: unknown): unknown[] {
  if (content === undefined) return [];
  if (isNode(content) && Array.isArray(content.frames))
    return content.frames.filter((frame) => typeof frame !== 'string');
  return [content];
}

/** A provider's message exchanges, each with what it is told apart by. */
export interface MessageShape {
  name: string;
  /** Sent by clients (accepted) or by the service (produced). */
  sentByClient: boolean;
  /** Members whose value is fixed (`const`, or a one-value `enum`), e.g. `{type: 'subscribe'}`. */
  constants: Record<string, unknown>;
}

/** The constant members of a message schema, through `$ref`s and `allOf`. */
export function constantsOf(
  schema: JsonSchema,
  resolve: (ref: string) => JsonSchema,
): Record<string, unknown> {
  const constants: Record<string, unknown> = {};
  const visit = (node: unknown, depth: number) => {
    if (!isNode(node) || depth > 32) return;
    if (typeof node.$ref === 'string') visit(resolve(node.$ref), depth + 1);
    if (Array.isArray(node.allOf)) for (const part of node.allOf) visit(part, depth + 1);
    if (!isNode(node.properties)) return;
    for (const [name, property] of Object.entries(node.properties)) {
      let target: unknown = property;
      for (let hops = 0; isNode(target) && typeof target.$ref === 'string' && hops < 32; hops++)
        target = resolve(target.$ref);
      if (!isNode(target)) continue;
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
export function messagesMatching(
  instance: unknown,
  shapes: readonly MessageShape[],
  sentByClient: boolean,
): string[] {
  const candidates = shapes.filter((shape) => shape.sentByClient === sentByClient);
  const keyed = candidates.filter((shape) => Object.keys(shape.constants).length > 0);
  const matched = keyed.filter(
    (shape) =>
      isNode(instance) &&
      Object.entries(shape.constants).every(([name, value]) => sameJson(instance[name], value)),
  );
  if (matched.length > 0) return matched.map((shape) => shape.name);
  return candidates.filter((shape) => !keyed.includes(shape)).map((shape) => shape.name);
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The OpenAPI path template an interaction's path is an instance of: the
 * most literal one when several match (`/items/search` before `/items/{id}`).
 */
export function templateFor(templates: Iterable<string>, path: string): string | undefined {
  const bare = path.split('?')[0] ?? path;
  let best: { template: string; params: number } | undefined;
  for (const template of templates) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}/?$`,
    );
    if (!pattern.test(bare)) continue;
    const params = (template.match(/\{[^}]+\}/g) ?? []).length;
    if (!best || params < best.params) best = { template, params };
  }
  return best?.template;
}

/** The response key of `statuses` a status is answered by: itself, its range (`4XX`), or `default`. */
export function statusKeyFor(statuses: Iterable<string>, status: number): string | undefined {
  const keys = new Set([...statuses].map((key) => key.toUpperCase()));
  const exact = String(status);
  const range = `${exact[0] ?? ''}XX`;
  if (keys.has(exact)) return exact;
  if (keys.has(range)) return [...statuses].find((key) => key.toUpperCase() === range);
  return keys.has('DEFAULT')
    ? [...statuses].find((key) => key.toLowerCase() === 'default')
    : undefined;
}

/**
 * The instances an interaction exchanges at one site of its provider's API:
 * the request or response bodies of an HTTP operation (`undefined` for one
 * without a body), or every message of a kind; none when it does not take
 * part there. `sites` are every site of the same documents, to tell which
 * template and which status the interaction is one of.
 */
export function instancesAt(
  site: ExchangeSite,
  interaction: ReadInteraction,
  sites: readonly ExchangeSite[],
  shapes: readonly MessageShape[],
): unknown[] {
  if (site.kind === 'message') {
    const shape = shapes.find((s) => s.name === site.name);
    if (!shape) return [];
    const pool = shape.sentByClient ? interaction.sent : interaction.received;
    return pool.filter((message) =>
      messagesMatching(message, shapes, shape.sentByClient).includes(site.name),
    );
  }
  const http = interaction.http;
  // A schema no API document exchanges cannot be matched to an interaction.
  if (site.kind === 'schema' || !http) return [];
  type HttpSite = Extract<ExchangeSite, { method: string }>;
  const sameMethod = sites.filter(
    (s): s is HttpSite =>
      (s.kind === 'request' || s.kind === 'response') && s.method === http.method,
  );
  if (site.method !== http.method) return [];
  if (templateFor(new Set(sameMethod.map((s) => s.path)), http.path) !== site.path) return [];
  if (site.kind === 'request') return [http.requestBody];
  const statuses = sameMethod
    .filter((s): s is Extract<ExchangeSite, { kind: 'response' }> => s.kind === 'response')
    .filter((s) => s.path === site.path)
    .map((s) => s.status);
  return statusKeyFor(statuses, http.status) === site.status ? [http.responseBody] : [];
}

/**
 * The values at an instance path of the review's form (`/items/[]/name`:
 * members by name, `[]` any item of an array, `*` any member of a map).
 */
export function valuesAt(instance: unknown, path: string): unknown[] {
  let values = [instance];
  for (const raw of path.split('/').filter((segment) => segment !== '')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    values = values.flatMap((value) => {
      if (segment === '[]') return Array.isArray(value) ? (value as unknown[]) : [];
      if (!isNode(value)) return [];
      if (segment === '*') return Object.values(value);
      return Object.hasOwn(value, segment) ? [value[segment]] : [];
    });
  }
  return values;
}
