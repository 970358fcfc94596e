// JSON values as pacts, schemas and API documents hold them, for the code that
// reads them without a schema of their own: objects told from arrays and null,
// JSON pointer tokens (RFC 6901) read back as member names, and equality and
// previews for values that may nest deeper than the call stack goes (sameJson
// walks them with a stack of its own, preview shows only their first levels).

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The member name a JSON pointer token stands for: `a~1b` is `a/b`, `a~0b` is `a~b`. */
export const decodePointerToken = (token: string): string =>
  token.replaceAll('~1', '/').replaceAll('~0', '~');

/** Whether two JSON values are equal, object members in any order. */
export function sameJson(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    const [x, y] = pair;
    if (Object.is(x, y)) continue;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      x.forEach((item, i) => pending.push([item, y[i]]));
    } else if (isObject(x) && isObject(y)) {
      const keys = Object.keys(x);
      if (keys.length !== Object.keys(y).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(y, key)) return false;
        pending.push([x[key], y[key]]);
      }
    } else return false;
  }
  return true;
}

/** A JSON value as short text for a message: nesting beyond a few levels shown as `…`, and cut at `max` characters. */
export function preview(value: unknown, max = 60): string {
  if (value === undefined) return 'none';
  const depths = new WeakMap<object, number>();
  const text = JSON.stringify(value, function (this: object, _key, inner: unknown) {
    const depth = (depths.get(this) ?? 0) + 1;
    if (typeof inner !== 'object' || inner === null) return inner;
    if (depth > 4) return '…';
    depths.set(inner, depth);
    return inner;
  });
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
