import type { MeshReport } from './model.js';

// The services of a run as a graph: one node per pacticipant, one edge per
// consumer→provider pact, each edge in the state its interactions' results put it in.
//
// Edge state:
//   failed     some interaction failed outside a pending pact (this breaks the build)
//   pending    failures only inside pending pacts (reported, does not break the build)
//   passed     every verified interaction passed
//   unverified no verification result for this pair
//
// Layout (layered, left to right): a pacticipant that provides nothing to anyone is in
// column 0; every provider sits one column right of its rightmost consumer, so consumers
// are left and providers right. An edge spanning several columns passes through a
// placeholder slot in each column between, so it never runs through a node. Within a
// column, slots are ordered by the mean position of their consumers, then by name, so the
// same report always gives the same picture.

export type EdgeState = 'failed' | 'pending' | 'passed' | 'unverified';
export type InteractionStatus = 'passed' | 'failed' | 'pending';
export type PacticipantKind = MeshReport['pacticipants'][number]['kind'];

export interface GraphInteraction {
  description: string;
  status: InteractionStatus;
  mismatches: string[];
}

export interface GraphEdge {
  /** Safe for an HTML id: "e0", "e1", … in report order. */
  id: string;
  consumer: string;
  provider: string;
  state: EdgeState;
  passed: number;
  /** Verified interactions, or the pact's interaction count when nothing was verified. */
  total: number;
  /** Interactions in the pact, as the contracts phase counted them. */
  inPact: number;
  interactions: GraphInteraction[];
  /** Verification problems of the provider not tied to one interaction, and schema problems. */
  problems: string[];
  /** Points the edge passes through between the two nodes (placeholder slots). */
  via: Point[];
}

export interface Point {
  x: number;
  y: number;
}

export interface GraphNode extends Point {
  name: string;
  kind: PacticipantKind;
  column: number;
}

export interface MeshGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

export const NODE = { width: 176, height: 56 } as const;
const GAP = { column: 150, row: 28, margin: 24, via: 20 } as const;

export function meshGraph(report: MeshReport): MeshGraph {
  const edges = graphEdges(report);
  const kinds = new Map(report.pacticipants.map((p) => [p.name, p.kind] as const));
  for (const edge of edges) {
    if (!kinds.has(edge.consumer)) kinds.set(edge.consumer, 'consumer');
    if (!kinds.has(edge.provider)) kinds.set(edge.provider, 'http');
  }
  const columns = columnOf([...kinds.keys()], edges);

  // Slots per column: nodes, and one placeholder per edge crossing the column.
  type Slot = { node?: string; edge?: GraphEdge; order: number; y: number };
  const slots: Slot[][] = [];
  const slotOf = new Map<string, Slot>();
  const column = (c: number) => (slots[c] ??= []);
  for (const [name, c] of columns) {
    const slot: Slot = { node: name, order: 0, y: 0 };
    column(c).push(slot);
    slotOf.set(name, slot);
  }
  const vias = new Map<GraphEdge, Slot[]>();
  for (const edge of edges) {
    const from = columns.get(edge.consumer) ?? 0;
    const to = columns.get(edge.provider) ?? 0;
    const passing: Slot[] = [];
    for (let c = from + 1; c < to; c++) {
      const slot: Slot = { edge, order: 0, y: 0 };
      column(c).push(slot);
      passing.push(slot);
    }
    vias.set(edge, passing);
  }

  // Order: column 0 by name; later columns by the mean order of what feeds each slot.
  const feeders = (slot: Slot): Slot[] => {
    if (slot.edge) {
      const chain = vias.get(slot.edge) ?? [];
      const i = chain.indexOf(slot);
      return [i > 0 ? chain[i - 1] : slotOf.get(slot.edge.consumer)].filter(isSlot);
    }
    return edges
      .filter((e) => e.provider === slot.node && e.consumer !== slot.node)
      .map((e) => vias.get(e)?.at(-1) ?? slotOf.get(e.consumer))
      .filter(isSlot);
  };
  const name = (slot: Slot) => slot.node ?? `${slot.edge?.consumer}\u0000${slot.edge?.provider}`;
  for (const [c, list] of slots.entries()) {
    const key = new Map(list.map((s) => [s, c === 0 ? 0 : mean(feeders(s).map((f) => f.order))]));
    list.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0) || compare(name(a), name(b)));
    list.forEach((slot, i) => (slot.order = i));
  }

  // Positions: each column stacked and centred vertically.
  const extent = (slot: Slot) => (slot.node ? NODE.height : GAP.via);
  const columnHeight = (list: Slot[] = []) =>
    list.reduce((sum, s) => sum + extent(s), 0) + GAP.row * Math.max(0, list.length - 1);
  const inner = Math.max(NODE.height, ...slots.map(columnHeight));
  for (const list of slots) {
    let y = GAP.margin + (inner - columnHeight(list)) / 2;
    for (const slot of list ?? []) {
      slot.y = y + extent(slot) / 2;
      y += extent(slot) + GAP.row;
    }
  }
  const xOf = (c: number) => GAP.margin + c * (NODE.width + GAP.column);

  const nodes = [...columns].map(([name, c]): GraphNode => {
    const centre = slotOf.get(name)?.y ?? 0;
    return {
      name,
      kind: kinds.get(name) ?? 'http',
      column: c,
      x: xOf(c),
      y: centre - NODE.height / 2,
    };
  });
  nodes.sort((a, b) => a.column - b.column || a.y - b.y);
  for (const edge of edges) {
    edge.via = (vias.get(edge) ?? []).map((slot, i) => ({
      x: xOf((columns.get(edge.consumer) ?? 0) + 1 + i) + NODE.width / 2,
      y: slot.y,
    }));
  }
  return {
    nodes,
    edges,
    width: xOf(slots.length - 1) + NODE.width + GAP.margin,
    height: inner + 2 * GAP.margin,
  };
}

/** One edge per pact (report order), then any verified pair the contracts phase did not list. */
function graphEdges(report: MeshReport): GraphEdge[] {
  const pairs: { consumer: string; provider: string; inPact: number; problems: string[] }[] =
    report.contracts.map((c) => ({
      ...c,
      inPact: c.interactions,
      problems: [...c.schemaProblems],
    }));
  for (const verification of report.verifications) {
    for (const { consumer } of verification.interactions) {
      const known = pairs.some(
        (p) => p.consumer === consumer && p.provider === verification.provider,
      );
      if (!known)
        pairs.push({ consumer, provider: verification.provider, inPact: 0, problems: [] });
    }
  }
  return pairs.map((pair, i): GraphEdge => {
    const verifications = report.verifications.filter((v) => v.provider === pair.provider);
    const interactions = verifications
      .flatMap((v) => v.interactions)
      .filter((ix) => ix.consumer === pair.consumer)
      .map((ix): GraphInteraction => ({
        description: ix.description,
        status: ix.success ? 'passed' : ix.pending ? 'pending' : 'failed',
        mismatches: ix.mismatches,
      }));
    const passed = interactions.filter((ix) => ix.status === 'passed').length;
    const has = (status: InteractionStatus) => interactions.some((ix) => ix.status === status);
    // A state that failed outside any interaction fails the provider's verification.
    const failedOutside = verifications.some((v) => v.problems.length > 0);
    const state: EdgeState =
      interactions.length === 0
        ? 'unverified'
        : has('failed') || failedOutside
          ? 'failed'
          : has('pending')
            ? 'pending'
            : 'passed';
    return {
      id: `e${i}`,
      consumer: pair.consumer,
      provider: pair.provider,
      state,
      passed,
      total: interactions.length || pair.inPact,
      inPact: pair.inPact,
      interactions,
      problems: [...verifications.flatMap((v) => v.problems), ...pair.problems],
      via: [],
    };
  });
}

/** Longest path from the pure consumers; a cycle stops growing after one pass per node. */
function columnOf(names: string[], edges: GraphEdge[]): Map<string, number> {
  const columns = new Map([...names].sort(compare).map((n) => [n, 0]));
  for (let pass = 0; pass < names.length; pass++) {
    let moved = false;
    for (const { consumer, provider } of edges) {
      if (consumer === provider) continue;
      const wanted = (columns.get(consumer) ?? 0) + 1;
      if (wanted > (columns.get(provider) ?? 0) && wanted < names.length) {
        columns.set(provider, wanted);
        moved = true;
      }
    }
    if (!moved) break;
  }
  // Close gaps a cycle may leave, so columns are 0..n without holes.
  const used = [...new Set(columns.values())].sort((a, b) => a - b);
  return new Map([...columns].map(([n, c]) => [n, used.indexOf(c)]));
}

function isSlot<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
