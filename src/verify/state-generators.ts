import type { Generator } from './pact-documents.js';
import type { StateValues } from './states.js';

// Pact's verifier applies fromProviderState generators to HTTP requests, not
// to the request of a synchronous message, which it hands to the message
// provider with the consumer's example values. The socket driver fills them
// here, from the values the interaction's provider states handed back, as the
// verifier would: `${name}` is replaced by the value; an expression that is
// only `${name}` takes the value as it is (a number stays a number).

/** `content` with every ProviderState generator at its JSON path filled from `values`. */
export function fillStateGenerators(
  content: unknown,
  generators: Readonly<Record<string, Generator>>,
  values: StateValues,
): unknown {
  let filled = structuredClone(content);
  for (const [path, generator] of Object.entries(generators)) {
    if (generator.type !== 'ProviderState' || typeof generator.expression !== 'string') continue;
    filled = setAt(filled, parsePath(path), evaluate(generator.expression, values));
  }
  return filled;
}

function evaluate(expression: string, values: StateValues): unknown {
  const value = (name: string) => {
    if (!Object.hasOwn(values, name))
      throw new Error(
        `the request needs \${${name}}, which no provider state of the interaction handed back`,
      );
    return values[name];
  };
  const whole = /^\$\{([^}]+)\}$/.exec(expression);
  if (whole) return value(whole[1]!);
  return expression.replace(/\$\{([^}]+)\}/g, (_, name: string) => String(value(name)));
}

/** `$.frames[0].thread_id` or `$['a key'][2]` as its keys and indexes. */
export function parsePath(path: string): (string | number)[] {
  if (!path.startsWith('$')) throw new Error(`not a JSON path: ${path}`);
  const keys: (string | number)[] = [];
  const step = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const at = step.lastIndex;
    const found = step.exec(path);
    if (!found) throw new Error(`cannot read the JSON path ${path} at ${at}`);
    const [, name, index, quoted] = found;
    keys.push(index !== undefined ? Number(index) : (name ?? quoted!.replace(/\\(.)/g, '$1')));
  }
  return keys;
}

function setAt(root: unknown, keys: (string | number)[], value: unknown): unknown {
  if (keys.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const key of keys.slice(0, -1)) {
    node = node?.[key] as Record<string | number, unknown>;
    if (typeof node !== 'object' || node === null)
      throw new Error(`the request has nothing at the generator's path ${keys.join('/')}`);
  }
  node[keys.at(-1)!] = value;
  return root;
}
