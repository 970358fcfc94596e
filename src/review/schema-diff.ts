// The pure core of schema review: what changed between two versions of a JSON
// Schema, and whom each change breaks. Whether a change breaks depends on the
// direction data flows through the schema: a service writes its responses and
// server frames (`produced`), which consumers read; consumers write requests
// and client frames (`accepted`), which the service reads. Loosening what is
// produced breaks consumers that relied on it; tightening what is accepted
// breaks consumers that send what is now refused.

import { MeshpactError } from '../errors/meshpact-error.js';
import { isObject, preview, sameJson } from '../contracts/json-values.js';
import {
  compareKeywords,
  isAnnotation,
  plainRef,
  refusesAll,
  type Schema,
  type Visit,
} from './schema-keywords.js';

export type Direction = 'produced' | 'accepted';

export type ChangeKind =
  | 'field-removed'
  | 'field-added'
  | 'field-now-required'
  | 'field-now-optional'
  | 'type-widened'
  | 'type-narrowed'
  | 'type-changed'
  | 'enum-widened'
  | 'enum-narrowed'
  | 'enum-changed'
  | 'format-loosened'
  | 'format-tightened'
  | 'format-changed'
  | 'bound-loosened'
  | 'bound-tightened'
  | 'extra-fields-allowed'
  | 'extra-fields-refused'
  | 'constraint-added'
  | 'constraint-removed'
  | 'constraint-changed'
  | 'variant-added'
  | 'variant-removed'
  | 'exchange-added'
  | 'exchange-removed';

export interface SchemaChange {
  /** Where in an instance, e.g. `/items/[]/title`: object members by name, array items as `[]`. */
  path: string;
  kind: ChangeKind;
  /** Whether a consumer can break: reading what is produced, or sending what is accepted. */
  breaking: boolean;
  detail: string;
}

// Whether a change loosens (admits more instances) or tightens (admits fewer),
// which direction decides into breaking or not; some changes are both ways.
type Effect = 'loosens' | 'tightens' | 'both' | 'neither';

const effects: Record<ChangeKind, Effect> = {
  'field-removed': 'both',
  // A new optional member: readers ignore what they do not know, writers need not send it.
  'field-added': 'neither',
  'field-now-required': 'tightens',
  'field-now-optional': 'loosens',
  'type-widened': 'loosens',
  'type-narrowed': 'tightens',
  'type-changed': 'both',
  'enum-widened': 'loosens',
  'enum-narrowed': 'tightens',
  'enum-changed': 'both',
  'format-loosened': 'loosens',
  'format-tightened': 'tightens',
  'format-changed': 'both',
  'bound-loosened': 'loosens',
  'bound-tightened': 'tightens',
  'extra-fields-allowed': 'loosens',
  'extra-fields-refused': 'tightens',
  // Any other assertion (multipleOf, not, if/then/else, prefixItems, …): one
  // added admits fewer instances, one removed more, one changed some of each.
  'constraint-added': 'tightens',
  'constraint-removed': 'loosens',
  'constraint-changed': 'both',
  'variant-added': 'loosens',
  'variant-removed': 'tightens',
  // An operation, status or message: gone, it breaks whoever used it; new, nobody uses it yet.
  'exchange-added': 'neither',
  'exchange-removed': 'both',
};

/**
 * Produced data breaks its readers when it loosens (a field may be missing,
 * null, another type, a value they do not know); accepted data breaks its
 * writers when it tightens. A removed field breaks both: readers lose it,
 * and a closed request refuses writers who still send it.
 */
export function breaksIn(kind: ChangeKind, direction: Direction): boolean {
  const effect = effects[kind];
  if (effect === 'both' || effect === 'neither') return effect === 'both';
  return direction === 'produced' ? effect === 'loosens' : effect === 'tightens';
}

/** A JSON Schema as read from a file: an object (or a boolean schema). */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** Resolves a `$ref` met in a schema; `from` is the schema the ref was read in. */
export type RefResolver = (ref: string, from: 'before' | 'after') => JsonSchema;

export interface DiffOptions {
  direction: Direction;
  /** Needed when the schemas hold `$ref`s; without it a ref is compared as text. */
  resolve?: RefResolver;
}

/**
 * How many schemas deep a comparison goes (nesting and refs followed) before
 * it refuses: beyond any schema written by hand, within the call stack.
 */
const MAX_DEPTH = 256;

/** How many paths one change found under a shared ref is listed at; the rest are summed up. */
const PATHS_PER_CHANGE = 100;

/** A change as found: `more` counts the further paths under `path` it was found at, summed up. */
interface Found {
  path: string;
  kind: ChangeKind;
  detail: string;
  more: number;
}

/** Every change between `before` and `after`, in instance path order of discovery. */
export function diffSchemas(
  before: JsonSchema,
  after: JsonSchema,
  options: DiffOptions,
): SchemaChange[] {
  const found: Found[] = [];
  /** The ref chains being compared on the way down to here, with the depth each was entered at. */
  const active = new Map<string, number>();
  /** The changes under a pair of refs met before, and the path they were found at. */
  const memo = new Map<string, { at: string; found: Found[] }>();
  let depth = 0;
  /** The least depth of an active chain where a recursion below was cut short. */
  let cutAt = Infinity;

  const add: Visit['add'] = (path, kind, detail) => found.push({ path, kind, detail, more: 0 });

  const deref = (schema: JsonSchema, side: Side, trail: string[]): JsonSchema => {
    let current = schema;
    // A chain of refs (a ref to a ref) is followed to its end; a cycle stops.
    for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
      if (!options.resolve || hops > 32) return current;
      trail.push(current.$ref);
      const { $ref, ...siblings } = current;
      const target = options.resolve($ref, side);
      current = isObject(target) ? { ...target, ...siblings } : target;
    }
    return current;
  };

  const walk: Visit['walk'] = (a, b, path) => {
    if (depth >= MAX_DEPTH)
      throw new MeshpactError(
        'invalid_usage',
        `a schema nests deeper than ${MAX_DEPTH} levels, at ${preview(path, 80)}`,
      );
    depth++;
    try {
      walkRefs(a, b, path);
    } finally {
      depth--;
    }
  };

  const walkRefs = (a: JsonSchema, b: JsonSchema, path: string): void => {
    const refsBefore: string[] = [];
    const refsAfter: string[] = [];
    const x = deref(a, 'before', refsBefore);
    const y = deref(b, 'after', refsAfter);
    if (refsBefore.length + refsAfter.length === 0) return compare(x, y, path);
    const chains = `${refsBefore.join('\u0000')}\u0001${refsAfter.join('\u0000')}`;
    // A recursive schema (a tree of nodes) is compared down to where it
    // recurs: below that the same refs would repeat the same changes forever.
    const entered = active.get(chains);
    if (entered !== undefined) {
      cutAt = Math.min(cutAt, entered);
      return;
    }
    // Refs shared by many paths (each level of a tree of refs reaching the
    // next twice) are compared once, and their changes listed again at each
    // path: without this, the work doubles with each level.
    const key = plainRef(a) && plainRef(b) ? chains : undefined;
    const known = key === undefined ? undefined : memo.get(key);
    if (known) {
      for (const f of known.found) found.push({ ...f, path: path + f.path.slice(known.at.length) });
      return;
    }
    const start = found.length;
    const outerCut = cutAt;
    cutAt = Infinity;
    active.set(chains, depth);
    try {
      compare(x, y, path);
    } finally {
      active.delete(chains);
    }
    const cutBelow = cutAt;
    cutAt = Math.min(outerCut, cutBelow);
    // What was cut short at a chain entered further up would go deeper when
    // reached another way: only what the refs alone decide is remembered.
    if (key === undefined || cutBelow < depth) return;
    const mine = summedUp(found.splice(start));
    for (const f of mine) found.push(f);
    memo.set(key, { at: path, found: mine });
  };

  /** Whether `b` admits the same instances as `a`, as far as the diff can tell. */
  const unchanged = (a: JsonSchema, b: JsonSchema, path: string): boolean => {
    const start = found.length;
    walk(a, b, path);
    const same = found.length === start;
    found.length = start;
    return same;
  };

  const visit: Visit = { add, walk, unchanged };

  const compare = (a: JsonSchema, b: JsonSchema, path: string): void => {
    // `true` is the empty schema; `false` (or `{not: {}}`) admits nothing.
    const [x, y] = [refusesAll(a) ? false : a, refusesAll(b) ? false : b];
    if (x === false || y === false) {
      if (x !== y) add(path, x === false ? 'type-widened' : 'type-narrowed', 'false schema');
      return;
    }
    const [s, t] = [
      flattenAllOf(x === true ? {} : x, (part) => deref(part, 'before', [])),
      flattenAllOf(y === true ? {} : y, (part) => deref(part, 'after', [])),
    ];
    compareKeywords(s, t, path, visit);
  };

  walk(before, after, '');
  return found.map(({ path, kind, detail, more }) => {
    // A change summed up at an ancestor is no longer where its kind says
    // (a member of that ancestor): it is the same effect somewhere below.
    const as = more > 0 ? (somewhereBelow[effects[kind]] ?? kind) : kind;
    return {
      path: path || '/',
      kind: as,
      breaking: breaksIn(as, options.direction),
      detail: more > 0 ? `${detail} (at ${more + 1} paths under ${path || '/'})` : detail,
    };
  });
}

type Side = 'before' | 'after';

/**
 * A schema with its allOf parts merged in, when they only add members,
 * require them or repeat what another part says: then moving members
 * between a base schema and its extension, or inlining the base, is no
 * change. Otherwise the schema as it is, its parts compared in place.
 */
function flattenAllOf(
  schema: Schema,
  follow: (part: JsonSchema) => JsonSchema,
  levels = 0,
): Schema {
  // additionalProperties sees only the members named beside it: merged, it
  // would see those of the parts too.
  if (!Array.isArray(schema.allOf) || Object.hasOwn(schema, 'additionalProperties') || levels > 16)
    return schema;
  const { allOf, ...rest } = schema;
  const merged = new Map(Object.entries(rest));
  for (const part of allOf as JsonSchema[]) {
    const target = follow(part);
    if (target === true) continue;
    if (!isObject(target) || !mergeInto(merged, flattenAllOf(target, follow, levels + 1)))
      return schema;
  }
  return Object.fromEntries(merged);
}

/** Merges an allOf part into `merged`, unless the result would admit other instances than both. */
function mergeInto(merged: Map<string, unknown>, part: Schema): boolean {
  for (const [keyword, value] of Object.entries(part)) {
    if (isAnnotation(keyword)) continue;
    if (keyword === 'additionalProperties' || keyword === 'unevaluatedProperties') return false;
    const mine = merged.get(keyword);
    if (keyword === 'properties' && isObject(value) && (mine === undefined || isObject(mine))) {
      const members = new Map(Object.entries(mine ?? {}));
      for (const [name, schema] of Object.entries(value)) {
        const other = members.get(name);
        // A member both constrain must meet both.
        const both =
          other === undefined || sameJson(other, schema) ? schema : { allOf: [other, schema] };
        members.set(name, both);
      }
      merged.set(keyword, Object.fromEntries(members));
    } else if (keyword === 'required' && Array.isArray(value) && Array.isArray(mine ?? [])) {
      merged.set(keyword, [...new Set([...((mine ?? []) as unknown[]), ...(value as unknown[])])]);
    } else if (mine === undefined) merged.set(keyword, value);
    else if (!sameJson(mine, value)) return false;
  }
  return true;
}

/**
 * At most PATHS_PER_CHANGE paths of each change: refs that each reach the
 * next twice reach the last by 2^n paths, more than anyone could read or
 * store. The change's further paths are summed up in one entry at their
 * common ancestor, so a pact using any of them is found using it.
 */
function summedUp(list: Found[]): Found[] {
  const listed = new Map<string, number>();
  const sums = new Map<string, Found>();
  const kept: Found[] = [];
  for (const f of list) {
    const key = `${f.kind}\u0000${f.detail}`;
    const count = listed.get(key) ?? 0;
    const sum = sums.get(key);
    if (count < PATHS_PER_CHANGE - 1) {
      listed.set(key, count + 1);
      kept.push(f);
    } else if (!sum) {
      const first = { ...f };
      sums.set(key, first);
      kept.push(first);
    } else {
      sum.path = commonAncestor(sum.path, f.path);
      sum.more += 1 + f.more;
    }
  }
  return kept;
}

function commonAncestor(a: string, b: string): string {
  const [sa, sb] = [a.split('/'), b.split('/')];
  let n = 0;
  while (n < sa.length && sa[n] === sb[n]) n++;
  return sa.slice(0, n).join('/');
}

/** The kind of a change summed up somewhere below a path, by its effect. */
const somewhereBelow: Record<Effect, ChangeKind | undefined> = {
  loosens: 'constraint-removed',
  tightens: 'constraint-added',
  both: 'constraint-changed',
  neither: undefined,
};
