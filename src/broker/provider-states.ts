import { isObject } from '../contracts/json-values.js';
import type { Queryable } from '../runtime/db.js';
import { pactContents } from './store/pacts.js';
import { branchHeads, pactsOfVersions, versionsInEnvironments } from './store/selection.js';

// A provider's states, as the Pact Broker's ProviderStateService lists them:
// read from the pacts of the head of each consumer's main branch, of the head
// of a named branch, or of the consumer versions deployed (or released and
// still supported) in an environment, and listed once per name and params
// with the consumers that use them.

export interface ProviderState {
  name: string;
  /** Absent when the state has none (a V2 `providerState` never has any). */
  params?: unknown;
  consumers: string[];
}

/** Whose pacts to read: each consumer's main branch head, a branch's heads, or what is in an environment (by name). */
export type StatesScope = { mainBranch: true } | { branch: string } | { environment: string };

/** JSON with keys sorted, so params that differ only in key order are one state (as Ruby's Hash equality has it). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    isObject(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );

/** Ruby's String#<=>: by code point, not by locale, so `Zebra` comes before `apple`. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The states one pact's interactions and messages name: V2 `providerState`, V3/V4 `providerStates[]`. */
function statesIn(content: unknown): { name: string; params?: unknown }[] {
  if (!isObject(content)) return [];
  const interactions = [content.messages, content.interactions].flatMap((list) =>
    Array.isArray(list) ? (list as unknown[]) : [],
  );
  return interactions.flatMap((interaction) => {
    if (!isObject(interaction)) return [];
    if (typeof interaction.providerState === 'string') return [{ name: interaction.providerState }];
    if (!Array.isArray(interaction.providerStates)) return [];
    // A state without a string name names nothing a provider could set up.
    return (interaction.providerStates as unknown[]).flatMap((state) =>
      isObject(state) && typeof state.name === 'string'
        ? [{ name: state.name, ...(state.params == null ? {} : { params: state.params }) }]
        : [],
    );
  });
}

/** The states of these pacts, each name and params once with its consumers: by name, those without params first. */
export function providerStatesOf(pacts: { consumer: string; content: unknown }[]): ProviderState[] {
  const states = new Map<string, { state: ProviderState; params: string }>();
  const byConsumer = [...pacts].sort((a, b) => byCodePoint(a.consumer, b.consumer));
  for (const { consumer, content } of byConsumer)
    for (const state of statesIn(content)) {
      const params = state.params === undefined ? '' : canonical(state.params);
      const key = JSON.stringify([state.name, params]);
      const known = states.get(key) ?? { state: { ...state, consumers: [] }, params };
      if (!known.state.consumers.includes(consumer)) known.state.consumers.push(consumer);
      states.set(key, known);
    }
  return [...states.values()]
    .sort((a, b) => byCodePoint(a.state.name, b.state.name) || byCodePoint(a.params, b.params))
    .map(({ state }) => state);
}

/** The provider states of the pacts `scope` picks. */
export async function listProviderStates(
  db: Queryable,
  providerId: string,
  scope: StatesScope,
): Promise<ProviderState[]> {
  const versions =
    'environment' in scope
      ? (
          await Promise.all(
            (['deployed', 'released'] as const).map((kind) =>
              versionsInEnvironments(db, providerId, null, kind, scope.environment),
            ),
          )
        ).flat()
      : await branchHeads(
          db,
          providerId,
          null,
          'branch' in scope ? { name: scope.branch } : 'main',
        );
  const pacts = await pactsOfVersions(db, providerId, [
    ...new Set(versions.map((version) => version.version_id)),
  ]);
  const contents = await pactContents(db, [...new Set(pacts.map((pact) => pact.pact_version_id))]);
  return providerStatesOf(
    pacts.map((pact) => ({
      consumer: pact.consumer_name,
      content: contents.get(pact.pact_version_id),
    })),
  );
}
