import { createHash } from 'node:crypto';
import { MESH_CSS, MESH_SCRIPT } from './html-assets.js';
import { escapeHtml as h, jsonForScript } from './html-escape.js';
import type { EdgeState } from './mesh-graph.js';
import { meshGraph } from './mesh-graph.js';
import { meshSvg, STATE_SYMBOLS, STATE_WORDS } from './mesh-svg.js';
import type { DeployDecision, MatrixEntry, MeshReport, Phase } from './model.js';

// reports/mesh.html: one self-contained page (inline style, inline script, data as JSON)
// that opens from file:// with no network. Its Content-Security-Policy allows only its own
// script (by hash) and inline style, so even a report string that escaped escaping could
// not run or load anything.

/**
 * The page for one run.
 *
 * @example writeFileSync('reports/mesh.html', renderMeshHtml(report));
 */
export function renderMeshHtml(report: MeshReport): string {
  const graph = meshGraph(report);
  const data = {
    selected: graph.edges.find((e) => e.state === 'failed')?.id ?? null,
    edges: graph.edges.map(({ via: _via, ...edge }) => ({
      ...edge,
      words: STATE_WORDS[edge.state],
      symbol: STATE_SYMBOLS[edge.state],
    })),
  };
  const scriptHash = createHash('sha256').update(MESH_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'`;
  const verdict = report.verdict === 'pass' ? '✓ PASS' : '✗ FAIL';
  const title = `meshpact: ${report.verdict.toUpperCase()} · ${report.version.number} on ${report.version.branch}`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${h(title)}</title>
<style>${MESH_CSS}</style>
</head>
<body>
<header class="verdict verdict--${report.verdict}">
<h1>Mesh verdict: <span class="verdict-word" data-verdict="${report.verdict}">${verdict}</span></h1>
<dl class="facts">
${fact('Version', h(report.version.number))}
${fact('Branch', h(report.version.branch))}
${fact('Duration', formatDuration(report.durationMs))}
${fact('Started', h(formatTime(report.startedAt)))}
${fact('Broker', `<code class="broker-url">${h(report.broker.url)}</code> (${report.broker.kind})`)}
</dl>
<p class="summary">${h(
    summary(
      report,
      graph.edges.map((e) => e.state),
    ),
  )}</p>
</header>
<main>
<section aria-labelledby="graph-heading">
<h2 id="graph-heading">Services and contracts</h2>
<ul class="legend" aria-label="Edge colours">
${(['passed', 'failed', 'pending', 'unverified'] as const)
  .map((s) => `<li><span class="swatch ${s}"></span>${STATE_SYMBOLS[s]} ${legendWords[s]}</li>`)
  .join('\n')}
</ul>
<div class="graph-layout">
<div class="graph-box">
${meshSvg(graph)}
</div>
<section id="edge-panel" class="panel" aria-live="polite" aria-label="Interactions of the chosen contract">
<h3>Interactions</h3>
<p>Choose a contract (an arrow) in the graph to list its interactions.</p>
<noscript><p>This needs JavaScript; the matrix below has each pact's result.</p></noscript>
</section>
</div>
</section>
<section aria-labelledby="deploy-heading">
<h2 id="deploy-heading">Can I deploy?</h2>
${table('Whether each pacticipant version may be deployed', ['Pacticipant', 'Version', 'Decision', 'Reasons'], report.canIDeploy.map(deployRow))}
</section>
<section aria-labelledby="matrix-heading">
<h2 id="matrix-heading">Matrix</h2>
${table('Each consumer version against the provider version that verified it', ['Consumer', 'Consumer version', 'Provider', 'Provider version', 'Result'], report.matrix.map(matrixRow))}
</section>
<section aria-labelledby="phases-heading">
<h2 id="phases-heading">Phases</h2>
${table('What the run did, in order', ['Phase', 'Status', 'Duration', 'Share', 'Detail'], report.phases.map(phaseRow(report.phases)))}
</section>
</main>
<script type="application/json" id="mesh-data">${jsonForScript(data)}</script>
<script>${MESH_SCRIPT}</script>
</body>
</html>
`;
}

const legendWords: Record<EdgeState, string> = {
  passed: 'all interactions passed',
  failed: 'an interaction failed',
  pending: 'failures in a pending pact only',
  unverified: 'not verified',
};

/** 412 → "412 ms", 9120 → "9.1 s", 61234 → "1 min 1 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** "2026-11-25T10:00:00.000Z" → "2026-11-25 10:00:00 UTC"; anything unparsable as given. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return time
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

function summary(report: MeshReport, states: EdgeState[]): string {
  const count = (s: EdgeState) => states.filter((x) => x === s).length;
  const parts = (['failed', 'pending', 'passed', 'unverified'] as const)
    .filter((s) => count(s) > 0)
    .map((s) => `${count(s)} ${STATE_WORDS[s]}`);
  const deployable = report.canIDeploy.filter((d) => d.deployable === true).length;
  return (
    `${states.length} contracts: ${parts.join(', ') || 'none'}. ` +
    `${deployable} of ${report.canIDeploy.length} pacticipants may deploy.`
  );
}

function fact(term: string, html: string): string {
  return `<div><dt>${term}</dt><dd>${html}</dd></div>`;
}

function table(caption: string, headers: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p>${h(caption)}: none.</p>`;
  const head = headers.map((x) => `<th scope="col">${h(x)}</th>`).join('');
  const body = rows
    .map(([first, ...rest]) => `<tr><th scope="row">${first}</th>${rest.join('')}</tr>`)
    .join('\n');
  return `<table>\n<caption>${h(caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function status(kind: 'passed' | 'failed' | 'pending' | 'unknown', words: string): string {
  return `<td><span class="badge status--${kind}">${h(words)}</span></td>`;
}

function deployRow(d: DeployDecision): string[] {
  const decision =
    d.deployable === true
      ? status('passed', '✓ yes')
      : d.deployable === false
        ? status('failed', '✗ no')
        : status('unknown', '? unknown');
  const reasons = d.reasons.map((r) => `<div>${h(r)}</div>`).join('');
  return [
    h(d.pacticipant),
    `<td><code>${h(d.version)}</code></td>`,
    decision,
    `<td>${reasons}</td>`,
  ];
}

function matrixRow(m: MatrixEntry): string[] {
  const result =
    m.success === true
      ? status('passed', '✓ verified')
      : m.success === false
        ? status('failed', '✗ failed')
        : status('unknown', '? no result');
  return [
    h(m.consumer),
    `<td><code>${h(m.consumerVersion)}</code></td>`,
    `<td>${h(m.provider)}</td>`,
    `<td>${m.providerVersion === null ? '—' : `<code>${h(m.providerVersion)}</code>`}</td>`,
    result,
  ];
}

function phaseRow(phases: Phase[]): (p: Phase) => string[] {
  const longest = Math.max(1, ...phases.map((p) => p.durationMs));
  return (p) => {
    const badge =
      p.status === 'ok'
        ? status('passed', '✓ ok')
        : p.status === 'failed'
          ? status('failed', '✗ failed')
          : status('unknown', '– skipped');
    const width = Math.max(2, Math.round((p.durationMs / longest) * 160));
    return [
      h(p.name),
      badge,
      `<td class="num">${formatDuration(p.durationMs)}</td>`,
      `<td aria-hidden="true"><span class="bar" style="width:${width}px"></span></td>`,
      `<td>${h(p.detail)}</td>`,
    ];
  };
}
