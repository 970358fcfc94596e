import { escapeHtml } from './html-escape.js';
import type {
  EdgeState,
  GraphEdge,
  GraphNode,
  MeshGraph,
  PacticipantKind,
  Point,
} from './mesh-graph.js';
import { NODE } from './mesh-graph.js';

// The graph as inline SVG. Each edge is a focusable button (the page script opens its
// interactions on click, Enter or Space); its state is in its class, its data-state, its
// line style, its label symbol and its aria-label, so colour is never the only signal.

export const STATE_WORDS: Record<EdgeState, string> = {
  failed: 'failed',
  pending: 'pending failures only',
  passed: 'passed',
  unverified: 'not verified',
};

export const STATE_SYMBOLS: Record<EdgeState, string> = {
  failed: '✗',
  pending: '!',
  passed: '✓',
  unverified: '?',
};

export const KIND_WORDS: Record<PacticipantKind, string> = {
  http: 'HTTP provider',
  message: 'message provider',
  consumer: 'consumer',
};

const STATES: EdgeState[] = ['failed', 'pending', 'passed', 'unverified'];

export function meshSvg(graph: MeshGraph): string {
  const ports = edgePorts(graph);
  const markers = STATES.map(
    (s) =>
      `<marker id="arrow-${s}" class="arrow arrow--${s}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`,
  ).join('');
  return [
    `<svg class="graph" viewBox="0 0 ${graph.width} ${graph.height}" width="${graph.width}" height="${graph.height}" role="group" aria-labelledby="graph-title">`,
    `<title id="graph-title">Pacticipants and the pacts between them; choose a contract to list its interactions</title>`,
    `<defs>${markers}</defs>`,
    ...graph.edges.map((edge) => edgeSvg(edge, ports.get(edge))),
    ...graph.nodes.map(nodeSvg),
    '</svg>',
  ].join('\n');
}

function edgeSvg(edge: GraphEdge, ends: { from: Point; to: Point } | undefined): string {
  if (!ends) return '';
  const points = [ends.from, ...edge.via, ends.to];
  const d = pathThrough(points);
  const label = `${STATE_SYMBOLS[edge.state]} ${edge.passed}/${edge.total}`;
  const at = edge.via[0] ?? midpoint(ends.from, ends.to);
  const width = 14 + label.length * 7.5;
  const aria =
    `${edge.consumer} to ${edge.provider}: ${STATE_WORDS[edge.state]}, ` +
    `${edge.passed} of ${edge.total} interactions passed`;
  return [
    `<g class="edge edge--${edge.state}" id="edge-${edge.id}" data-edge="${edge.id}" data-state="${edge.state}"`,
    ` data-consumer="${escapeHtml(edge.consumer)}" data-provider="${escapeHtml(edge.provider)}"`,
    ` tabindex="0" role="button" aria-pressed="false" aria-controls="edge-panel" aria-label="${escapeHtml(aria)}">`,
    `<path class="edge-hit" d="${d}"/>`,
    `<path class="edge-line" d="${d}" marker-end="url(#arrow-${edge.state})"/>`,
    `<g class="edge-label"><rect x="${n(at.x - width / 2)}" y="${n(at.y - 10)}" width="${n(width)}" height="20" rx="10"/>`,
    `<text x="${n(at.x)}" y="${n(at.y + 4)}" text-anchor="middle">${escapeHtml(label)}</text></g>`,
    '</g>',
  ].join('');
}

function nodeSvg(node: GraphNode): string {
  const shown = node.name.length > 20 ? `${node.name.slice(0, 19)}…` : node.name;
  const cx = node.x + NODE.width / 2;
  // Message providers: dashed outline (CSS), an envelope before the kind, and the words.
  const ex = cx - (KIND_WORDS[node.kind].length * 6.6) / 2 - 22;
  const ey = node.y + 32;
  const envelope =
    node.kind === 'message'
      ? `<g class="envelope" aria-hidden="true"><rect x="${n(ex)}" y="${n(ey)}" width="16" height="11" rx="1"/><path d="M${n(ex)},${n(ey)} l8,6 l8,-6"/></g>`
      : '';
  return [
    `<g class="node node--${node.kind}" data-node="${escapeHtml(node.name)}">`,
    `<title>${escapeHtml(`${node.name} (${KIND_WORDS[node.kind]})`)}</title>`,
    `<rect x="${node.x}" y="${n(node.y)}" width="${NODE.width}" height="${NODE.height}" rx="8"/>`,
    envelope,
    `<text class="node-name" x="${cx}" y="${n(node.y + 24)}" text-anchor="middle">${escapeHtml(shown)}</text>`,
    `<text class="node-kind" x="${cx}" y="${n(node.y + 42)}" text-anchor="middle">${KIND_WORDS[node.kind]}</text>`,
    '</g>',
  ].join('');
}

/**
 * Where each edge leaves its consumer (right side) and enters its provider (left side):
 * several edges on one side are spread out, ordered by where their other end is, so they
 * do not cross at the node.
 */
function edgePorts(graph: MeshGraph): Map<GraphEdge, { from: Point; to: Point }> {
  const byName = new Map(graph.nodes.map((node) => [node.name, node]));
  const centre = (name: string) => (byName.get(name)?.y ?? 0) + NODE.height / 2;
  const spread = (edges: GraphEdge[], otherY: (e: GraphEdge) => number) => {
    const sorted = [...edges].sort((a, b) => otherY(a) - otherY(b));
    return new Map(sorted.map((e, i) => [e, (NODE.height * (i + 1)) / (sorted.length + 1)]));
  };
  const ports = new Map<GraphEdge, { from: Point; to: Point }>();
  for (const node of graph.nodes) {
    const out = spread(
      graph.edges.filter((e) => e.consumer === node.name),
      (e) => e.via[0]?.y ?? centre(e.provider),
    );
    for (const [edge, dy] of out) {
      ports.set(edge, { from: { x: node.x + NODE.width, y: node.y + dy }, to: { x: 0, y: 0 } });
    }
  }
  for (const node of graph.nodes) {
    const into = spread(
      graph.edges.filter((e) => e.provider === node.name),
      (e) => e.via.at(-1)?.y ?? centre(e.consumer),
    );
    for (const [edge, dy] of into) {
      const port = ports.get(edge);
      if (port) port.to = { x: node.x - 2, y: node.y + dy };
    }
  }
  return ports;
}

/** Horizontal-tangent cubic curves through the points, left to right. */
function pathThrough(points: Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${n(first.x)},${n(first.y)}`;
  let prev = first;
  for (const p of rest) {
    const mx = (prev.x + p.x) / 2;
    d += ` C${n(mx)},${n(prev.y)} ${n(mx)},${n(p.y)} ${n(p.x)},${n(p.y)}`;
    prev = p;
  }
  return d;
}

function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/** Numbers short and stable in the markup. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}
