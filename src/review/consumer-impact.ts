import { exchangesOf, type Exchange, type ReviewedChange } from './api-surface.js';
import {
  constantsOf,
  instancesAt,
  interactionsOf,
  valuesAt,
  type MessageShape,
} from './pact-usage.js';
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
 * `breaks`: a breaking change some interaction uses. `unused`: a breaking
 * change no pact read uses, safe to ship by that evidence. `compatible`: no
 * consumer can break.
 */
export type Verdict = 'breaks' | 'unused' | 'compatible';

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
}

export function consumerImpact(input: ImpactInput): ChangeImpact[] {
  const api = apiOf(input.before, input.after);
  const read = input.pacts.map((pact) => ({ pact, interactions: interactionsOf(pact.content) }));
  return input.changes.map((change) => {
    const providers = [...(input.providersOf.get(change.document) ?? [])];
    const { sites, shapes } = api.get(change.document) ?? { sites: [], shapes: [] };
    const usedBy: InteractionUse[] = [];
    const notUsedBy: PactRef[] = [];
    for (const { pact, interactions } of read) {
      if (!providers.includes(pact.provider)) continue;
      const ref = { consumer: pact.consumer, ...(pact.version ? { version: pact.version } : {}) };
      const uses = interactions.flatMap((interaction) => {
        const how = useOf(change, instancesAt(change.site, interaction, sites, shapes));
        return how ? [{ ...ref, interaction: interaction.description, how }] : [];
      });
      if (uses.length > 0) usedBy.push(...uses);
      else notUsedBy.push(ref);
    }
    const verdict: Verdict = !change.breaking
      ? 'compatible'
      : usedBy.length > 0
        ? 'breaks'
        : 'unused';
    return { ...change, verdict, providers, usedBy, notUsedBy };
  });
}

/** Every site and message shape of each document, on either side (a pact may use a site either has). */
function apiOf(before: SchemaSet, after: SchemaSet) {
  const resolve = refResolver(before, after);
  const api = new Map<string, { sites: Exchange['site'][]; shapes: MessageShape[] }>();
  const add = (exchanges: Exchange[], side: 'before' | 'after') => {
    for (const exchange of exchanges) {
      let entry = api.get(exchange.document);
      if (!entry) api.set(exchange.document, (entry = { sites: [], shapes: [] }));
      entry.sites.push(exchange.site);
      if (exchange.site.kind === 'message' && !entry.shapes.some((s) => s.name === exchange.name))
        entry.shapes.push({
          name: exchange.name,
          sentByClient: exchange.direction === 'accepted',
          constants: constantsOf(exchange.schema, (ref) => resolve(ref, side)),
        });
    }
  };
  add(exchangesOf(before), 'before');
  add(exchangesOf(after), 'after');
  return api;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How an interaction's instances at the changed exchange use the change, if they do. */
function useOf(change: ReviewedChange, instances: unknown[]): string | undefined {
  if (instances.length === 0) return undefined;
  const reader = change.direction === 'produced';
  if (change.path === '/') {
    if (change.site.kind === 'response') return `expects ${change.site.status}`;
    return reader ? 'receives it' : 'sends it';
  }
  const segments = change.path.split('/');
  // A member now required breaks only the writers that leave it out.
  if (!reader && change.kind === 'field-now-required') {
    const name = segments.pop() ?? '';
    const parent = segments.join('/') || '/';
    const lacking = instances
      .flatMap((instance) => valuesAt(instance, parent))
      .some((value) => isObject(value) && !Object.hasOwn(value, decode(name)));
    return lacking ? `sends ${parent} without ${decode(name)}` : undefined;
  }
  const found = instances.some((instance) => valuesAt(instance, change.path).length > 0);
  if (!found) return undefined;
  return `${reader ? 'reads' : 'sends'} ${change.path}`;
}

const decode = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');
