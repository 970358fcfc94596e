// The page's inline style and script. No url(), no @import, no fetch: the page works
// from file:// with no network, and its Content-Security-Policy allows nothing else.

// Colours hold at least 4.5:1 against white (and against their pale backgrounds) for text.
export const MESH_CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa;
  --passed: #1a7f37; --failed: #cf222e; --pending: #9a6700; --unverified: #59636e; --focus: #0969da;
  font: 15px/1.5 "DejaVu Sans", "Liberation Sans", system-ui, sans-serif; color: var(--fg); }
body { margin: 0; }
header, main { padding: 16px 28px; }
header { border-bottom: 4px solid; }
header.verdict--pass { background: #dafbe1; border-color: var(--passed); }
header.verdict--fail { background: #ffebe9; border-color: var(--failed); }
h1 { margin: 0 0 6px; font-size: 24px; }
.verdict-word { display: inline-block; padding: 0 12px; border-radius: 6px; color: #fff; }
.verdict--pass .verdict-word { background: var(--passed); }
.verdict--fail .verdict-word { background: var(--failed); }
.facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; }
.summary { margin: 6px 0 0; }
h2 { font-size: 19px; margin: 18px 0 8px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 8px; padding: 0; list-style: none; color: var(--muted); font-size: 13px; }
.legend .swatch { display: inline-block; width: 22px; height: 0; vertical-align: middle; margin-right: 6px; border-top: 3px solid; }
.graph-layout { display: grid; grid-template-columns: minmax(0, auto) minmax(300px, 1fr); gap: 20px; align-items: start; }
@media (max-width: 900px) { .graph-layout { grid-template-columns: 1fr; } }
.graph-box { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
svg.graph { display: block; max-width: none; }
.node rect { fill: var(--bg-soft); stroke: #818b98; stroke-width: 1.5; }
.node--message rect { fill: #fff8c5; stroke: #9a6700; stroke-dasharray: 6 3; }
.node--consumer rect { fill: #ddf4ff; }
.node-name { font-weight: 700; font-size: 14px; fill: var(--fg); }
.node-kind { font-size: 12px; fill: var(--muted); }
.envelope rect, .envelope path { fill: none; stroke: #7d4e00; stroke-width: 1.3; }
.edge { cursor: pointer; }
.edge:focus { outline: none; }
.edge-hit { fill: none; stroke: transparent; stroke-width: 16; }
.edge:focus-visible .edge-hit, .edge:hover .edge-hit { stroke: rgba(9, 105, 218, 0.18); }
.edge-line { fill: none; stroke-width: 2.5; }
.edge--selected .edge-line { stroke-width: 5; }
.edge-label rect { fill: #fff; stroke-width: 1.5; }
.edge-label text { font-size: 12px; font-weight: 700; }
.edge--selected .edge-label rect { stroke-width: 3; }
.edge--passed .edge-line, .edge--passed .edge-label rect, .legend .passed { stroke: var(--passed); border-color: var(--passed); }
.edge--failed .edge-line, .edge--failed .edge-label rect, .legend .failed { stroke: var(--failed); border-color: var(--failed); }
.edge--pending .edge-line, .edge--pending .edge-label rect, .legend .pending { stroke: var(--pending); border-color: var(--pending); }
.edge--unverified .edge-line, .edge--unverified .edge-label rect, .legend .unverified { stroke: var(--unverified); border-color: var(--unverified); }
.edge--pending .edge-line, .legend .pending { stroke-dasharray: 8 4; border-top-style: dashed; }
.edge--unverified .edge-line, .legend .unverified { stroke-dasharray: 2 4; border-top-style: dotted; }
.edge--passed text { fill: var(--passed); } .edge--failed text { fill: var(--failed); }
.edge--pending text { fill: var(--pending); } .edge--unverified text { fill: var(--unverified); }
.arrow--passed { fill: var(--passed); } .arrow--failed { fill: var(--failed); }
.arrow--pending { fill: var(--pending); } .arrow--unverified { fill: var(--unverified); }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; background: #fff; min-height: 120px; }
.panel h3 { font-size: 17px; margin: 10px 0 4px; overflow-wrap: anywhere; }
.panel-state { margin: 0 0 8px; font-weight: 600; }
.interactions { list-style: none; margin: 0; padding: 0; }
.interactions > li { padding: 6px 0; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
.mismatches { margin: 4px 0 0; padding-left: 20px; }
.badge { display: inline-block; min-width: 58px; text-align: center; padding: 0 6px; margin-right: 6px; border-radius: 10px; font-size: 12px; font-weight: 700; color: #fff; }
.status--passed { color: var(--passed); } .status--failed { color: var(--failed); }
.status--pending { color: var(--pending); } .status--unverified { color: var(--unverified); }
.badge.status--passed { background: var(--passed); color: #fff; } .badge.status--failed { background: var(--failed); color: #fff; }
.badge.status--pending { background: var(--pending); color: #fff; } .badge.status--unknown { background: var(--unverified); color: #fff; }
table { border-collapse: collapse; margin: 0 0 8px; }
caption { text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 4px; }
th, td { text-align: left; vertical-align: top; padding: 4px 14px 4px 0; border-bottom: 1px solid var(--line); }
th { font-size: 13px; color: var(--muted); }
th[scope="row"] { font-size: inherit; color: var(--fg); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 8px; border-radius: 4px; background: #8c959f; vertical-align: middle; }
`;

// Reads the data the page embeds (application/json, so never executed) and builds the
// panel for one edge with textContent only: no report string is ever parsed as HTML.
export const MESH_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('mesh-data').textContent);
  var panel = document.getElementById('edge-panel');
  var edges = Array.prototype.slice.call(document.querySelectorAll('.edge'));
  var ORDER = { failed: 0, pending: 1, passed: 2 };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function select(id) {
    var edge = data.edges.filter(function (e) { return e.id === id; })[0];
    if (!edge) return;
    edges.forEach(function (g) {
      var on = g.getAttribute('data-edge') === id;
      g.classList.toggle('edge--selected', on);
      g.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    panel.replaceChildren();
    panel.setAttribute('data-edge', id);
    panel.setAttribute('data-state', edge.state);
    panel.appendChild(el('h3', null, edge.consumer + ' \\u2192 ' + edge.provider));
    var counts = edge.passed + ' of ' + edge.total + ' interactions passed';
    if (edge.inPact && edge.inPact !== edge.total) counts += ' (' + edge.inPact + ' in the pact)';
    panel.appendChild(el('p', 'panel-state status--' + edge.state, edge.symbol + ' ' + edge.words + ': ' + counts));
    if (edge.problems.length) {
      panel.appendChild(el('h4', null, 'Problems'));
      var problems = el('ul', 'mismatches');
      edge.problems.forEach(function (p) { problems.appendChild(el('li', null, p)); });
      panel.appendChild(problems);
    }
    if (!edge.interactions.length) {
      panel.appendChild(el('p', null, 'No verification result for this pact.'));
    }
    var list = el('ul', 'interactions');
    edge.interactions
      .map(function (ix, i) { return { ix: ix, i: i }; })
      .sort(function (a, b) { return ORDER[a.ix.status] - ORDER[b.ix.status] || a.i - b.i; })
      .forEach(function (entry) {
        var ix = entry.ix;
        var item = el('li', 'ix ix--' + ix.status);
        item.appendChild(el('span', 'badge status--' + ix.status, ix.status));
        item.appendChild(el('span', 'ix-description', ix.description));
        if (ix.mismatches.length) {
          var mismatches = el('ul', 'mismatches');
          ix.mismatches.forEach(function (m) {
            var li = el('li');
            li.appendChild(el('code', 'mismatch', m));
            mismatches.appendChild(li);
          });
          item.appendChild(mismatches);
        }
        list.appendChild(item);
      });
    panel.appendChild(list);
  }

  edges.forEach(function (g) {
    var id = g.getAttribute('data-edge');
    g.addEventListener('click', function () { select(id); });
    g.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select(id);
      }
    });
  });
  if (data.selected) select(data.selected);
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
