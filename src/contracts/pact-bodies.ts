import { isObject } from './json-values.js';
import { isJsonMediaType } from './media-types.js';

// Pact V4 writes every HTTP body and message as `{content, contentType,
// encoded}`: a JSON body as its value, text as a string (JSON text too, when
// a writer kept it as text), bytes as base64 (`encoded: "base64"`), and a
// JSON value stored as is with `encoded: "json"`. Read as Pact's own core
// reads it (pact_models' body_from_json).

/**
 * The JSON value of a V4 body or message contents; text as a string when it
 * is not JSON; undefined when there is none, or bytes that are not JSON.
 * Throws a SyntaxError for JSON text that does not parse.
 */
export function pactBodyJson(body: unknown): unknown {
  if (!isObject(body)) return undefined;
  const { content, contentType, encoded } = body;
  if (typeof content !== 'string') return content;
  if (typeof encoded === 'string' && encoded.toLowerCase() === 'json') return content;
  const json = typeof contentType !== 'string' || isJsonMediaType(contentType);
  // `encoded: true` names no encoding: base64 is the only one Pact writes bytes in.
  if (encoded === 'base64' || encoded === true) {
    const text = Buffer.from(content, 'base64').toString('utf8');
    return json ? (JSON.parse(text) as unknown) : undefined;
  }
  return json && typeof contentType === 'string' ? (JSON.parse(content) as unknown) : content;
}
