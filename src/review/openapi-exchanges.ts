import { isObject, type JsonObject } from '../contracts/json-values.js';
import { contentSchema } from '../contracts/media-types.js';
import { templateKey, templateParameters } from '../contracts/openapi-matching.js';
import type { Exchange, ExchangeSite, Follow } from './exchanges.js';
import type { Direction, JsonSchema } from './schema-diff.js';

// The exchanges of an OpenAPI document: each operation's request body and
// parameters (accepted), and its responses (produced).

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

// Cookies are left out: pacts seldom record them, so no use of one could be found.
const PLACES = ['path', 'query', 'header'] as const;
type Place = (typeof PLACES)[number];

export function openApiExchanges(document: string, doc: JsonObject, follow: Follow): Exchange[] {
  const exchanges: Exchange[] = [];
  const add = (
    id: string,
    name: string,
    direction: Direction,
    schema: unknown,
    site: ExchangeSite,
  ) => {
    if (isObject(schema) || typeof schema === 'boolean')
      exchanges.push({ document, id, name, direction, schema, site });
  };
  for (const [path, listed] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    const item = follow(listed);
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const at = { method: method.toUpperCase(), path };
      const name = `${at.method} ${path}`;
      // Renaming a path parameter (`{id}` to `{itemId}`) keeps the operation.
      const id = `${at.method} ${templateKey(path)}`;
      const request = follow(operation.requestBody);
      if (isObject(request))
        add(`${id} request`, `${name} request`, 'accepted', contentSchema(request.content), {
          kind: 'request',
          ...at,
        });
      const parameters = parametersOf([item.parameters, operation.parameters], follow);
      for (const place of PLACES)
        add(`${id} ${place}`, `${name} ${place} parameters`, 'accepted', parameters[place], {
          kind: 'parameters',
          ...at,
          in: place,
        });
      const responses = isObject(operation.responses) ? operation.responses : {};
      for (const [status, response] of Object.entries(responses)) {
        const answer = follow(response);
        // A response without a body (204) still is one a consumer may expect.
        add(
          `${id} ${status.toUpperCase()}`,
          `${name} ${status}`,
          'produced',
          (isObject(answer) ? contentSchema(answer.content) : undefined) ?? {},
          { kind: 'response', ...at, status },
        );
      }
    }
  }
  return exchanges;
}

/**
 * An operation's parameters as one object schema per place: a parameter is
 * a member, a required one a required member, so a parameter made required
 * or removed is a member that is. Header names are in lower case, as HTTP
 * compares them. The operation's own parameters replace the path item's of
 * the same name and place.
 */
function parametersOf(lists: unknown[], follow: Follow): Record<Place, JsonSchema> {
  const found = new Map<
    string,
    { place: Place; name: string; schema: unknown; required: boolean }
  >();
  for (const list of lists)
    for (const listed of Array.isArray(list) ? list : []) {
      const parameter = follow(listed);
      if (!isObject(parameter) || typeof parameter.name !== 'string') continue;
      const place = PLACES.find((p) => p === parameter.in);
      if (!place) continue;
      const name = place === 'header' ? parameter.name.toLowerCase() : parameter.name;
      found.set(`${place} ${name}`, {
        place,
        name,
        schema: parameter.schema ?? contentSchema(parameter.content) ?? {},
        // A path parameter is required whatever it says: a path has no gap.
        required: place === 'path' || parameter.required === true,
      });
    }
  const schemaOf = (place: Place): JsonSchema => {
    const members = [...found.values()].filter((p) => p.place === place);
    return {
      type: 'object',
      properties: Object.fromEntries(members.map((p) => [p.name, p.schema])),
      required: members.filter((p) => p.required).map((p) => p.name),
    };
  };
  return { path: schemaOf('path'), query: schemaOf('query'), header: schemaOf('header') };
}

/**
 * The path parameters of `was` named as `is` names them, by their place in
 * the template: `/items/{id}` renamed `/items/{itemId}` keeps its parameter.
 */
export function renamedPathParameters(was: Exchange, is: Exchange): JsonSchema {
  const [a, b] = [was.site, is.site];
  if (a.kind !== 'parameters' || a.in !== 'path' || b.kind !== 'parameters') return was.schema;
  if (!isObject(was.schema)) return was.schema;
  const names = new Map(
    templateParameters(a.path).map((name, i) => [name, templateParameters(b.path)[i] ?? name]),
  );
  const rename = (name: string) => names.get(name) ?? name;
  const { properties, required } = was.schema;
  return {
    ...was.schema,
    properties: Object.fromEntries(
      Object.entries(isObject(properties) ? properties : {}).map(([n, s]) => [rename(n), s]),
    ),
    required: (Array.isArray(required) ? required : []).map((r: unknown) =>
      typeof r === 'string' ? rename(r) : r,
    ),
  };
}
