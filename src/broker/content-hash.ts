import { createHash } from 'node:crypto';

// How the Pact Broker identifies pact content: a SHA-1 over only what affects
// verification (the interactions or messages, order-insensitive, and the
// specification version), so re-publishing with other metadata, whitespace or
// interaction order is "the same pact". Each interaction also gets an `_id`,
// which verifiers echo back in their results.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted at every level: one text per value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value as Json));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key]!)]),
  );
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

type Pact = Record<string, unknown> & { interactions?: unknown; messages?: unknown };

function withoutId(interaction: unknown): unknown {
  if (interaction === null || typeof interaction !== 'object' || Array.isArray(interaction))
    return interaction;
  const { _id: _ignored, ...rest } = interaction as Record<string, unknown>;
  return rest;
}

function specificationVersion(pact: Pact): unknown {
  const metadata = (pact.metadata ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return (
    metadata.pactSpecification?.version ??
    metadata['pact-specification']?.version ??
    metadata.pactSpecificationVersion ??
    null
  );
}

/**
 * The content SHA of a pact (equal for pacts that verify the same way) and the
 * pact with `_id` (the SHA-1 of the interaction without it) first in each
 * interaction. Each interaction is made canonical once, for both.
 */
export function identifyPact<P extends Pact>(pact: P): { sha: string; content: P } {
  const identify = (list: unknown) => {
    if (!Array.isArray(list)) return { texts: null, items: list };
    const texts: string[] = [];
    const items = list.map((item: unknown) => {
      const rest = withoutId(item);
      const text = canonicalJson(rest);
      texts.push(text);
      return rest !== null && typeof rest === 'object' ? { _id: sha1(text), ...rest } : item;
    });
    return { texts, items };
  };
  const interactions = identify(pact.interactions);
  const messages = identify(pact.messages);
  return {
    sha: sha1(
      canonicalJson({
        interactions: interactions.texts?.sort() ?? null,
        messages: messages.texts?.sort() ?? null,
        specification: specificationVersion(pact),
      }),
    ),
    content: {
      ...pact,
      ...(pact.interactions === undefined ? {} : { interactions: interactions.items }),
      ...(pact.messages === undefined ? {} : { messages: messages.items }),
    },
  };
}
