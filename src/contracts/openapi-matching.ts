import { isObject } from './json-values.js';

// Which operation and response of an OpenAPI document a recorded HTTP
// exchange is an instance of, read alike by contract checks and by schema
// review: its path matched to a path template under one of the servers'
// base paths, the most literal template winning, and its status to a
// response key.

const PARAMETER = /\{[^}]*\}/g;

/** A template with its parameter names left out (`/items/{}`): `/items/{id}` and `/items/{itemId}` are one path. */
export const templateKey = (template: string): string => template.replace(PARAMETER, '{}');

/** The names of a template's parameters, in order. */
export const templateParameters = (template: string): string[] =>
  (template.match(PARAMETER) ?? []).map((parameter) => parameter.slice(1, -1));

/**
 * The base paths the paths of a document are under, from its `servers`:
 * `https://api.example.com/v1` and `/v1` are `/v1`; no servers is the root.
 */
export function serverBasePaths(servers: unknown): string[] {
  const urls = (Array.isArray(servers) ? servers : []).flatMap((server: unknown) =>
    isObject(server) && typeof server.url === 'string' ? [server.url] : [],
  );
  if (urls.length === 0) return [''];
  return [
    ...new Set(
      urls.map((url) => {
        // The scheme and authority, `{scheme}://{host}:{port}` included, are no part of the path.
        const path = url.replace(/^[^:/?#]*:\/\/[^/?#]*/, '').split(/[?#]/)[0] ?? '';
        return `/${path}`.replace(/\/+$/, '').replace(/^\/+/, '/');
      }),
    ),
  ];
}

const patternOf = (base: string, template: string) =>
  new RegExp(
    `^${`${base}${template}`
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(PARAMETER, '([^/]+)')}/?$`,
  );

/**
 * The template of `templates` a request path is an instance of, under one of
 * `basePaths`: the most literal one when several match (`/items/search`
 * before `/items/{id}`), the first of those equally literal.
 */
export function templateFor(
  templates: Iterable<string>,
  path: string,
  basePaths: readonly string[] = [''],
): string | undefined {
  const bare = path.split('?')[0] ?? path;
  let best: { template: string; parameters: number } | undefined;
  for (const template of templates) {
    if (!basePaths.some((base) => patternOf(base, template).test(bare))) continue;
    const parameters = templateParameters(template).length;
    if (!best || parameters < best.parameters) best = { template, parameters };
  }
  return best?.template;
}

/** The values a request path gives a template's parameters (`/items/7` for `/items/{id}`: `{id: '7'}`), if it is an instance of it. */
export function pathParameters(
  template: string,
  path: string,
  basePaths: readonly string[] = [''],
): Record<string, string> | undefined {
  const bare = path.split('?')[0] ?? path;
  const names = templateParameters(template);
  for (const base of basePaths) {
    const match = patternOf(base, template).exec(bare);
    if (!match) continue;
    // A base path's own parameters (`/{version}`) come first.
    const values = match.slice(match.length - names.length);
    return Object.fromEntries(names.map((name, i) => [name, decodeSegment(values[i] ?? '')]));
  }
  return undefined;
}

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** The response key of `statuses` a status is answered by: itself, its range (`4XX`), or `default`. */
export function statusKeyFor(statuses: Iterable<string>, status: number): string | undefined {
  const keys = [...statuses];
  const exact = String(status);
  const range = `${exact[0] ?? ''}XX`;
  return (
    keys.find((key) => key === exact) ??
    keys.find((key) => key.toUpperCase() === range) ??
    keys.find((key) => key.toLowerCase() === 'default')
  );
}
