import { MeshpactError, validationFailed } from '../../src/errors/meshpact-error.js';
import { schemaRegistry, type SchemaName } from '../../src/schemas/registry.js';

/**
 * A keyset position: the last row of a page. Threads sort by (at, id); a
 * message is placed by its id alone (the service looks up its seq).
 */
export interface Position {
  at: Date;
  id: string;
}

/** Opaque to clients (base64url), so the sort key can change without breaking them. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString(
    'base64url',
  );
}

/**
 * The position in a cursor, or 400 `invalid_cursor` for anything encodeCursor
 * could not have written: a hand-made cursor must not reach SQL with an id
 * that is not a uuid or an instant Postgres cannot hold (those would be 500s).
 * RFC 3339 (and so the timestamp schema) allows a leap second, 23:59:60, which
 * no Date can hold: it parses to an invalid Date, which the driver cannot send.
 */
export function decodeCursor(cursor: string): Position {
  const schemas = schemaRegistry();
  if (!schemas.validator('common/cursor').is(cursor)) throw cursorRefused();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw cursorRefused();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw cursorRefused();
  const [at, id] = decoded as unknown[];
  if (!schemas.validator('common/timestamp').is(at) || !schemas.validator('common/uuid').is(id)) {
    throw cursorRefused();
  }
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw cursorRefused();
  return { at: instant, id };
}

export const cursorRefused = () =>
  new MeshpactError(
    'invalid_cursor',
    'cursor: is not a cursor this API returned; start again from the first page',
  );

/**
 * The bounds of an integer schema in schemas/, so a query parameter is held to
 * the same range as the frame field that carries the same value.
 */
export function schemaRange(name: SchemaName): { min: number; max: number } {
  const schema = schemaRegistry().files.find((file) => file.name === name)?.schema;
  const minimum = schema?.minimum;
  const maximum = schema?.maximum;
  if (typeof minimum !== 'number' || typeof maximum !== 'number')
    throw new Error(`schemas/${name} is not a bounded integer`);
  return { min: minimum, max: maximum };
}

/** A whole-number query parameter within a range, or the fallback when absent. */
export function integerQuery(
  raw: unknown,
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  if (raw === undefined) return range.fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < range.min || value > range.max) {
    throw validationFailed('query', [
      { path: `/${name}`, message: `must be an integer from ${range.min} to ${range.max}` },
    ]);
  }
  return value;
}

/** Parses `limit` (1..100, default 50, as backend.yaml says) and `cursor` from a query string. */
export function pageQuery(query: Record<string, unknown>): { limit: number; after?: Position } {
  const limit = integerQuery(query.limit, 'limit', { min: 1, max: 100, fallback: 50 });
  const { cursor } = query;
  if (cursor === undefined) return { limit };
  if (typeof cursor !== 'string') {
    throw validationFailed('query', [{ path: '/cursor', message: 'must be given once' }]);
  }
  return { limit, after: decodeCursor(cursor) };
}
