import { isObject } from '../contracts/json-values.js';
import { templateKey } from '../contracts/openapi-matching.js';
import {
  apiSurface,
  exchangeKey,
  type ApiSurface,
  type Exchange,
  type ExchangeSite,
  type SurfaceOptions,
} from './exchanges.js';
import { renamedPathParameters } from './openapi-exchanges.js';
import { breaksIn, diffSchemas, type Direction, type SchemaChange } from './schema-diff.js';
import { refResolver, type SchemaSet } from './schema-set.js';

// A review of the exchanges of two schema sets: each exchange compared with
// itself on the other side, in its direction, and the schema files no
// exchange reaches compared without one.

export interface ReviewedChange extends SchemaChange {
  /** The API document, or the schema file when no API document exchanges it. */
  document: string;
  /** The exchange it is a change of, and where that exchange happens. */
  exchange: string;
  /** `unknown` for a schema file no API document exchanges: breaking if it would break either way. */
  direction: Direction | 'unknown';
  site: ExchangeSite;
}

/**
 * Every change of every exchange between two schema sets: an exchange gone
 * from `after` is a breaking change of its own; one new in `after` is listed
 * as safe; one in both is compared schema by schema, in its direction, and
 * shown as `after` names it.
 */
export function reviewSchemas(
  before: SchemaSet,
  after: SchemaSet,
  options: SurfaceOptions = {},
): ReviewedChange[] {
  const resolve = refResolver(before, after);
  const old = apiSurface(before, options);
  const now = apiSurface(after, options);
  const current = new Map(now.exchanges.map((e) => [exchangeKey(e), e]));
  const compared = new Set<Exchange>();
  const changes: ReviewedChange[] = [];
  const where = (e: Exchange) => ({
    document: e.document,
    exchange: e.name,
    direction: e.direction,
    site: e.site,
  });
  for (const was of old.exchanges) {
    const is = current.get(exchangeKey(was)) ?? rangeOf(was, now.exchanges);
    // An operation's parameters come and go with it: its responses say so.
    if (!is && was.site.kind === 'parameters') continue;
    if (!is) {
      changes.push({
        ...where(was),
        path: '/',
        kind: 'exchange-removed',
        breaking: true,
        detail: `${was.name} removed`,
      });
      continue;
    }
    compared.add(is);
    if (restated(was, old) && restated(is, now)) continue;
    const schema = renamedPathParameters(was, is);
    for (const change of diffSchemas(schema, is.schema, { direction: is.direction, resolve }))
      changes.push({ ...where(is), ...change });
  }
  for (const is of now.exchanges)
    if (!compared.has(is) && is.site.kind !== 'parameters')
      changes.push({
        ...where(is),
        path: '/',
        kind: 'exchange-added',
        breaking: false,
        detail: `${is.name} added`,
      });
  return [...changes, ...unexchangedChanges(before, after, [old, now])];
}

/**
 * The response by range (`2XX`) that now answers what a response by status
 * (`200`) answered: the same response to its consumers, compared as such.
 */
function rangeOf(was: Exchange, exchanges: readonly Exchange[]): Exchange | undefined {
  const site = was.site;
  if (site.kind !== 'response' || !/^\d{3}$/.test(site.status)) return undefined;
  const range = `${site.status[0]}XX`;
  return exchanges.find(
    ({ document, direction, site: other }) =>
      document === was.document &&
      direction === was.direction &&
      other.kind === 'response' &&
      other.method === site.method &&
      templateKey(other.path) === templateKey(site.path) &&
      other.status.toUpperCase() === range,
  );
}

/**
 * Whether a frame schema's variant is a message of its provider's AsyncAPI
 * document, schema for schema: its changes are listed there, once.
 */
function restated(exchange: Exchange, surface: ApiSurface): boolean {
  if (exchange.restates === undefined) return false;
  const schema = JSON.stringify(exchange.schema);
  return surface.exchanges.some(
    (message) =>
      message.document === exchange.restates &&
      message.direction === exchange.direction &&
      JSON.stringify(message.schema) === schema,
  );
}

const NOT_EXCHANGED = 'no API document';

/**
 * The changes of schema files that no exchange reaches (a schema only a
 * service's own code or a manifest uses): compared without a direction, each
 * change breaking if it would break readers or writers.
 */
function unexchangedChanges(
  before: SchemaSet,
  after: SchemaSet,
  surfaces: readonly ApiSurface[],
): ReviewedChange[] {
  const reached = new Set<string>(surfaces.flatMap((surface) => [...surface.files]));
  const visit = (value: unknown, sides: SchemaSet[]) => {
    if (Array.isArray(value)) for (const item of value) visit(item, sides);
    if (!isObject(value)) return;
    for (const [name, member] of Object.entries(value)) {
      if (name === '$ref' && typeof member === 'string') {
        const file = member.split('#')[0] ?? '';
        if (reached.has(file)) continue;
        reached.add(file);
        for (const side of sides) visit(side.get(file), sides);
      } else visit(member, sides);
    }
  };
  for (const exchange of surfaces.flatMap((surface) => surface.exchanges)) {
    reached.add(exchange.document);
    visit(exchange.schema, [before, after]);
  }
  const resolve = refResolver(before, after);
  const changes: ReviewedChange[] = [];
  for (const file of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(file);
    const is = after.get(file);
    if (reached.has(file)) continue;
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
