import { isObject } from '../contracts/json-values.js';
import { constantsOf } from './api-matching.js';
import type { Exchange } from './exchanges.js';
import type { Direction, JsonSchema } from './schema-diff.js';
import type { SchemaSet } from './schema-set.js';

// The frames of a WebSocket provider as the mesh manifest names them
// (`ws.frame-schema`, `ws.client-frame-schema`): usually a union of every
// frame, told apart by a constant member (`type`). Each variant is an
// exchange of its own, found in pacts as messages are (by its constants),
// so a variant removed from the union breaks the interactions that receive
// a frame of it.

/** A frame schema of the manifest, keyed as in the schema set. */
export interface FrameSchema {
  /** e.g. `events/server-frame.json` */
  file: string;
  /** `produced` for the frames the server sends, `accepted` for those clients send. */
  direction: Direction;
  /** The provider's AsyncAPI document, which may describe the same frames as its messages. */
  asyncapi?: string;
}

export function frameExchanges(
  set: SchemaSet,
  frames: readonly FrameSchema[],
  resolve: (ref: string) => JsonSchema,
): Exchange[] {
  return frames.flatMap(({ file, direction, asyncapi }) => {
    const union = set.get(file);
    if (union === undefined) return [];
    const exchange = (name: string, schema: JsonSchema): Exchange => ({
      document: file,
      id: name,
      name,
      direction,
      schema,
      site: { kind: 'message', name },
      ...(asyncapi === undefined ? {} : { restates: asyncapi }),
    });
    const variants: unknown[] = isObject(union)
      ? [union.oneOf, union.anyOf].flatMap((list): unknown[] => (Array.isArray(list) ? list : []))
      : [];
    if (variants.length === 0)
      return [exchange(direction === 'produced' ? 'server frame' : 'client frame', union)];
    const named = variants.flatMap((variant: unknown, i) =>
      isObject(variant) || typeof variant === 'boolean'
        ? [{ variant, name: variantName(variant, i, resolve) }]
        : [],
    );
    return named.map(({ variant, name }, i) =>
      exchange(
        named.some((other, j) => j !== i && other.name === name) ? `${name} #${i + 1}` : name,
        variant,
      ),
    );
  });
}

/** A variant by its constants (`pong`, or `kind="a" version=2`), else its title, else its place. */
function variantName(
  variant: JsonSchema,
  index: number,
  resolve: (ref: string) => JsonSchema,
): string {
  const constants = Object.entries(constantsOf(variant, resolve));
  const [only] = constants;
  if (constants.length === 1 && typeof only?.[1] === 'string') return only[1];
  if (constants.length > 0)
    return constants.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(' ');
  let target: unknown = variant;
  for (let hops = 0; isObject(target) && typeof target.$ref === 'string' && hops < 32; hops++)
    target = resolve(target.$ref);
  return isObject(target) && typeof target.title === 'string'
    ? target.title
    : `variant ${index + 1}`;
}
