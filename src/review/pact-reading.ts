import { isObject, type JsonObject } from '../contracts/json-values.js';
import { pactBodyJson } from '../contracts/pact-bodies.js';

// The interactions of pacts of every specification version, as the review
// reads them: V2/V3 HTTP (bodies as they are, the query a string or a map),
// V3 message pacts (`messages`, contents as they are), V4 HTTP, synchronous
// and asynchronous messages (each body wrapped in `{content, contentType,
// encoded}`), and meshpact's WebSocket conversations (`{frames: [...]}`).
// Pacts come from a broker too: whatever a member holds, reading it never
// throws.

/** One interaction as the review reads it: what the consumer sends and what it expects back. */
export interface ReadInteraction {
  description: string;
  http?: {
    method: string;
    path: string;
    /** The query parameters, from the query and the path: one value, or the list of a repeated one. */
    query: JsonObject;
    /** The request headers, by lower-case name. */
    headers: JsonObject;
    status: number;
    /** Undefined when the interaction has no (JSON) body. */
    requestBody?: unknown;
    responseBody?: unknown;
  };
  /** Messages (or WebSocket frames) the consumer sends, and those it expects to receive. */
  sent: unknown[];
  received: unknown[];
}

/** The interactions of a pact file's JSON, whatever its specification version. */
export function interactionsOf(pact: unknown): ReadInteraction[] {
  if (!isObject(pact)) return [];
  const listed = (list: unknown) => (Array.isArray(list) ? list.filter(isObject) : []);
  return [
    ...listed(pact.interactions).map(readInteraction),
    ...listed(pact.messages).map((message) => ({
      description: descriptionOf(message),
      sent: [],
      received: messagesIn(message.contents),
    })),
  ];
}

const descriptionOf = (interaction: JsonObject) =>
  typeof interaction.description === 'string' ? interaction.description : '(no description)';

function readInteraction(interaction: JsonObject): ReadInteraction {
  const request = isObject(interaction.request) ? interaction.request : undefined;
  const response = interaction.response;
  const read: ReadInteraction = { description: descriptionOf(interaction), sent: [], received: [] };
  // Only V4 interactions have a type, and only V4 wraps what they exchange.
  const v4 = typeof interaction.type === 'string';
  const body = (value: unknown) => (v4 ? jsonOf(value) : value);
  if (interaction.type === 'Synchronous/Messages') {
    read.sent = messagesIn(jsonOf(request?.contents));
    for (const answer of Array.isArray(response) ? response : [])
      if (isObject(answer)) read.received.push(...messagesIn(jsonOf(answer.contents)));
  } else if (interaction.type === 'Asynchronous/Messages') {
    read.received = messagesIn(jsonOf(interaction.contents));
  } else if (request && isObject(response)) {
    const path = typeof request.path === 'string' ? request.path : '/';
    read.http = {
      method: typeof request.method === 'string' ? request.method.toUpperCase() : 'GET',
      path,
      query: queryOf(request.query, path),
      headers: headersOf(request.headers),
      status: typeof response.status === 'number' ? response.status : 200,
      requestBody: body(request.body),
      responseBody: body(response.body),
    };
  }
  return read;
}

/** A V4 body's JSON; undefined for JSON text that does not parse, which no schema can be matched with. */
function jsonOf(value: unknown): unknown {
  try {
    return pactBodyJson(value);
  } catch {
    return undefined;
  }
}

/** A conversation's frames (`{frames: [...]}`, frames sent as raw text left out), or one message. */
function messagesIn(content: unknown): unknown[] {
  if (content === undefined) return [];
  if (isObject(content) && Array.isArray(content.frames))
    return content.frames.filter((frame) => typeof frame !== 'string');
  return [content];
}

/** V2 writes the query as a string (`a=1&b=2`), V3 and V4 as a map of lists (`{a: ['1']}`); some paths carry it too. */
function queryOf(query: unknown, path: string): JsonObject {
  const values = new Map<string, unknown[]>();
  const add = (name: string, value: unknown) =>
    values.set(name, [...(values.get(name) ?? []), value]);
  const inPath = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  for (const text of [inPath, typeof query === 'string' ? query : ''])
    for (const [name, value] of new URLSearchParams(text)) add(name, value);
  if (isObject(query))
    for (const [name, value] of Object.entries(query))
      for (const item of Array.isArray(value) ? value : [value]) add(name, item);
  return Object.fromEntries(
    [...values].map(([name, list]) => [name, list.length === 1 ? list[0] : list]),
  );
}

/** HTTP header names are compared without case; V4 writes each value as a list. */
function headersOf(headers: unknown): JsonObject {
  if (!isObject(headers)) return {};
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name.toLowerCase(),
      Array.isArray(value) && value.length === 1 ? value[0] : value,
    ]),
  );
}
