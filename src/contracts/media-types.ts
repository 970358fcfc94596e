import { isObject } from './json-values.js';

// Which body of an OpenAPI `content` map a JSON example is checked by, read
// alike by contract checks and by schema review.

/**
 * Whether a media type is JSON: its essence is `application/json`, `<type>/json`
 * or `<type>/<subtype>+json`, whatever its parameters, e.g.
 * `application/problem+json; charset=utf-8`.
 */
export function isJsonMediaType(mediaType: string): boolean {
  const essence = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  return /^[^\s/]+\/([^\s/]+\+)?json$/.test(essence);
}

/**
 * The schema of an OpenAPI `content` map (media type → `{schema}`): a JSON
 * media type's, else the first media type's that has a schema.
 */
export function contentSchema(content: unknown): unknown {
  if (!isObject(content)) return undefined;
  const withSchema = Object.entries(content).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      isObject(entry[1]) && entry[1].schema !== undefined,
  );
  return (withSchema.find(([mediaType]) => isJsonMediaType(mediaType)) ?? withSchema[0])?.[1]
    .schema;
}
