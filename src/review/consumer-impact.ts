import { decodePointerToken, isObject } from '../contracts/json-values.js';
import { serverBasePaths } from '../contracts/openapi-matching.js';
import { constantsOf, instancesAt, valuesAt, type ApiIndex } from './api-matching.js';
import type { ReviewedChange } from './api-surface.js';
import { apiSurface, type SurfaceOptions } from './exchanges.js';
import { interactionsOf } from './pact-reading.js';
import { refResolver, type SchemaSet } from './schema-set.js';

// Whom a schema change reaches: for each change, the interactions of the
// provider's pacts that take part in the changed exchange and use what
// changed (read the field, send it, expect the status, receive the frame),
// and the pacts that do not. A breaking change nobody uses is safe to ship.

/** A pact the review read, and where from: the evidence behind each verdict. */
export interface ReviewedPact {
  consumer: string;
  provider: string;
  /** A file under the root, or the broker and why it chose the pact (e.g. `deployed to production`). */
  source: string;
  /** The consumer version, when the source names one. */
  version?: string;
  /** The pact file's JSON. */
  content: unknown;
}

/** One interaction that uses a change, and how. */
export interface InteractionUse {
  consumer: string;
  version?: string;
  interaction: string;
  /** e.g. `reads /title`, `sends / without title`, `expects 404` */
  how: string;
}

/** A consumer version whose pact with the provider does not use a change. */
export interface PactRef {
  consumer: string;
  version?: string;
}

/**
 * `breaks`: a breaking change some interaction uses. `unverified`: a
 * breaking change of an API whose providers had no pact read, so nobody can
 * say whether it is used. `unused`: a breaking change no pact read uses,
 * safe to ship by that evidence. `compatible`: no consumer can break.
 */
export type Verdict = 'breaks' | 'unverified' | 'unused' | 'compatible';

export interface ChangeImpact extends ReviewedChange {
  verdict: Verdict;
  /** The providers whose API document this is (from the mesh manifest). */
  providers: string[];
  usedBy: InteractionUse[];
  notUsedBy: PactRef[];
}

export interface ImpactInput {
  changes: readonly ReviewedChange[];
  before: SchemaSet;
  after: SchemaSet;
  /** The providers each API document (keyed as in the schema set) describes. */
  providersOf: ReadonlyMap<string, readonly string[]>;
  pacts: readonly ReviewedPact[];
  /** As the changes were reviewed with. */
  surface?: SurfaceOptions;
}

export function consumerImpact(input: ImpactInput): ChangeImpact[] {
  const api = apiOf(input.before, input.after, input.surface);
  const read = input.pacts.map((pact) => ({ pact, interactions: interactionsOf(pact.content) }));
  return input.changes.map((change) => {
    const providers = [...(input.providersOf.get(change.document) ?? [])];
    // A removed exchange is found among the sites of the base; any other as the change shows it.
    const side = change.kind === 'exchange-removed' ? 'before' : 'after';
    const index = api.get(change.document)?.[side] ?? { sites: [], shapes: [], basePaths: [''] };
    const usedBy: InteractionUse[] = [];
    const notUsedBy: PactRef[] = [];
    const ofProviders = read.filter(({ pact }) => providers.includes(pact.provider));
    for (const { pact, interactions } of ofProviders) {
      const ref = { consumer: pact.consumer, ...(pact.version ? { version: pact.version } : {}) };
      const uses = interactions.flatMap((interaction) => {
        const how = useOf(change, instancesAt(change.site, interaction, index));
        return how ? [{ ...ref, interaction: interaction.description, how }] : [];
      });
      if (uses.length > 0) usedBy.push(...uses);
      else notUsedBy.push(ref);
    }
    return {
      ...change,
      verdict: verdictOf(change, usedBy, ofProviders.length),
      providers,
      usedBy,
      notUsedBy,
    };
  });
}

function verdictOf(
  change: ReviewedChange,
  usedBy: readonly InteractionUse[],
  pacts: number,
): Verdict {
  if (!change.breaking) return 'compatible';
  if (usedBy.length > 0) return 'breaks';
  // No pact can use a schema no API document exchanges, whoever provides it.
  return pacts === 0 && change.site.kind !== 'schema' ? 'unverified' : 'unused';
}

/** Every site and message shape of each document, as each side has them. */
function apiOf(before: SchemaSet, after: SchemaSet, options: SurfaceOptions = {}) {
  const resolve = refResolver(before, after);
  const sets = { before, after };
  const unfilled = (document: string, side: 'before' | 'after'): ApiIndex => {
    const doc = sets[side].get(document);
    return {
      sites: [],
      shapes: [],
      basePaths: serverBasePaths(isObject(doc) ? doc.servers : undefined),
    };
  };
  const api = new Map<string, Record<'before' | 'after', ApiIndex>>();
  for (const side of ['before', 'after'] as const)
    for (const exchange of apiSurface(sets[side], options).exchanges) {
      const { document, site } = exchange;
      const entry = api.get(document) ?? {
        before: unfilled(document, 'before'),
        after: unfilled(document, 'after'),
      };
      api.set(document, entry);
      entry[side].sites.push(site);
      if (site.kind === 'message' && !entry[side].shapes.some((s) => s.name === exchange.name))
        entry[side].shapes.push({
          name: exchange.name,
          sentByClient: exchange.direction === 'accepted',
          constants: constantsOf(exchange.schema, (ref) => resolve(ref, side)),
        });
    }
  return api;
}

/** How an interaction's instances at the changed exchange use the change, if they do. */
function useOf(change: ReviewedChange, instances: unknown[]): string | undefined {
  if (instances.length === 0) return undefined;
  const { site } = change;
  const reader = change.direction === 'produced';
  if (change.path === '/') {
    if (site.kind === 'response') return `expects ${site.status}`;
    return reader ? 'receives it' : 'sends it';
  }
  const what = (path: string) =>
    site.kind === 'parameters' ? `${site.in} parameter ${decodePointerToken(path.slice(1))}` : path;
  const segments = change.path.split('/');
  // A member now required breaks only the writers that leave it out.
  if (!reader && change.kind === 'field-now-required') {
    const name = decodePointerToken(segments.pop() ?? '');
    const parent = segments.join('/') || '/';
    const lacking = instances
      .flatMap((instance) => valuesAt(instance, parent))
      .some((value) => isObject(value) && !Object.hasOwn(value, name));
    if (!lacking) return undefined;
    return site.kind === 'parameters'
      ? `leaves out ${what(change.path)}`
      : `sends ${parent} without ${name}`;
  }
  const found = instances.some((instance) => valuesAt(instance, change.path).length > 0);
  if (!found) return undefined;
  return `${reader ? 'reads' : 'sends'} ${what(change.path)}`;
}
