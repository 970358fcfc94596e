import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { MESH_CSS, MESH_SCRIPT } from './html-assets.js';
import { jsonForScript } from './html-escape.js';
import { formatDuration, renderMeshHtml } from './html.js';
import type { MeshReport } from './model.js';

const fixture = (): MeshReport =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '__fixtures__/mesh-report.json'), 'utf8'),
  ) as MeshReport;

const DATA = /<script type="application\/json" id="mesh-data">([^<]*)<\/script>/;

/** The embedded data, as the page script reads it. */
function embedded(html: string): { selected: string | null; edges: Record<string, unknown>[] } {
  return JSON.parse(DATA.exec(html)?.[1] ?? 'null') as ReturnType<typeof embedded>;
}

/** Every SVG edge as its attributes. */
function edges(html: string): Record<string, string>[] {
  return [...html.matchAll(/<g class="edge [^>]*>/g)].map(([tag]) =>
    Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!])),
  );
}

describe('renderMeshHtml', () => {
  describe('when given the sample run (failing)', () => {
    const report = fixture();
    const html = renderMeshHtml(report);

    it('says FAIL in words and colour, with version, branch, duration and broker', () => {
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('<header class="verdict verdict--fail">');
      expect(html).toContain(
        '<h1>Mesh verdict: <span class="verdict-word" data-verdict="fail">✗ FAIL</span></h1>',
      );
      expect(html).toContain('<dt>Version</dt><dd>5ee7c1b</dd>');
      expect(html).toContain('<dt>Branch</dt><dd>main</dd>');
      expect(html).toContain('<dt>Duration</dt><dd>1 min 1 s</dd>');
      expect(html).toContain('<code class="broker-url">http://127.0.0.1:43117</code> (embedded)');
      expect(html).toContain('<title>meshpact: FAIL · 5ee7c1b on main</title>');
    });

    it('draws each pact as an edge whose class, state and label match its results', () => {
      const drawn = edges(html).map((e) => [
        `${e['data-consumer']}->${e['data-provider']}`,
        e.class,
        e['data-state'],
      ]);
      expect(drawn).toEqual([
        ['web-app->auth-service', 'edge edge--failed', 'failed'],
        ['web-app->backend-api', 'edge edge--unverified', 'unverified'],
        ['web-app->backend-events', 'edge edge--passed', 'passed'],
        ['backend-api->auth-service', 'edge edge--passed', 'passed'],
      ]);
      expect(drawn).toHaveLength(report.contracts.length);
      expect(html).toContain('>✗ 1/2</text>');
      expect(html).toContain('>✓ 2/2</text>');
      // Colour comes from the state class: failed edges are the red, passed the green.
      expect(MESH_CSS).toMatch(/--failed: #cf222e/);
      expect(MESH_CSS).toMatch(/\.edge--failed \.edge-line[^{]*\{ stroke: var\(--failed\)/);
      expect(MESH_CSS).toMatch(/\.edge--passed \.edge-line[^{]*\{ stroke: var\(--passed\)/);
    });

    it('makes edges keyboard buttons with a spoken label', () => {
      const [first] = edges(html);
      expect(first).toMatchObject({
        tabindex: '0',
        role: 'button',
        'aria-pressed': 'false',
        'aria-controls': 'edge-panel',
        'aria-label': 'web-app to auth-service: failed, 1 of 2 interactions passed',
      });
    });

    it('embeds the interactions for the script and selects the first failing edge', () => {
      const data = embedded(html);
      expect(data.selected).toBe('e0');
      expect(data.edges[0]).toMatchObject({
        consumer: 'web-app',
        provider: 'auth-service',
        interactions: [
          {
            description: 'a login with the right password',
            status: 'failed',
            mismatches: ['$ -> Actual map is missing the following keys: access_token'],
          },
          { description: 'a registration of a new user', status: 'passed', mismatches: [] },
        ],
      });
      // The panel is filled by the script: the markup alone does not hold the mismatch.
      expect(html.replace(DATA, '')).not.toContain('missing the following keys');
    });

    it('has the can-i-deploy, matrix and phases tables with headers', () => {
      for (const heading of ['Can I deploy?', 'Matrix', 'Phases']) {
        expect(html).toContain(`>${heading}</h2>`);
      }
      expect(html).toContain('<th scope="col">Decision</th>');
      expect(html).toContain('<th scope="row">auth-service</th>');
      expect(html.match(/✗ no/g)).toHaveLength(2);
      expect(html.match(/✓ yes/g)).toHaveLength(2);
      expect(html).toContain('<th scope="row">verify</th>');
      expect(html).toContain('<td class="num">31.0 s</td>');
      expect(html.match(/✗ failed<\/span>/g)).toHaveLength(1 + 2); // matrix + two phases
    });

    it('loads nothing: no src/href, no url() but fragments, http only as report text', () => {
      const tags = html.match(/<[^>]+>/g) ?? [];
      expect(tags.filter((t) => /\s(src|href|srcset|action|poster)=/i.test(t))).toEqual([]);
      expect(tags.filter((t) => /https?:|\/\//i.test(t))).toEqual([]);
      expect(MESH_CSS).not.toMatch(/@import|url\(/);
      const urls = [...html.matchAll(/url\(([^)]*)\)/g)].map(([, u]) => u);
      expect(urls.filter((u) => !u?.startsWith('#'))).toEqual([]);
      expect(MESH_SCRIPT).not.toMatch(/https?:|fetch|XMLHttpRequest|import\(/);
      // The only URLs are the broker's, shown as text in the header and the broker phase.
      const text = html.replace(/<[^>]+>/g, ' ');
      expect(new Set(text.match(/https?:\/\/[^\s<"]+/g))).toEqual(new Set([report.broker.url]));
    });

    it('allows exactly its own script by hash, and that script compiles', () => {
      const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
      const inline = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
      const hash = createHash('sha256').update(inline).digest('base64');
      expect(csp).toBe(
        `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'`,
      );
      expect(() => new Script(inline)).not.toThrow();
    });
  });

  describe('when every pact passes', () => {
    it('says PASS in words on green', () => {
      const html = renderMeshHtml({ ...fixture(), verdict: 'pass' });
      expect(html).toContain('<header class="verdict verdict--pass">');
      expect(html).toContain('data-verdict="pass">✓ PASS</span>');
    });
  });

  describe('when report strings are hostile', () => {
    const hostile = `</script><img src=x onerror=alert(1)>"'&`;
    const report = fixture();
    report.verifications[0]!.interactions[0]!.description = hostile;
    report.verifications[0]!.interactions[0]!.mismatches = [`<!-- ${hostile}`];
    report.version.branch = hostile;
    report.pacticipants.push({ name: hostile, kind: 'consumer' });
    report.contracts.push({
      consumer: hostile,
      provider: 'auth-service',
      interactions: 1,
      schemaProblems: [hostile],
    });
    report.canIDeploy[0]!.reasons = [hostile];
    report.phases[0]!.detail = hostile;
    const html = renderMeshHtml(report);

    it('escapes them in markup and in the embedded JSON', () => {
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<!--');
      expect(html.match(/<\/script>/g)).toHaveLength(2); // the data and the page script
      expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
      expect(html).toContain('\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e');
      const hostileEdge = edges(html).find(
        (e) =>
          e['data-provider'] === 'auth-service' &&
          e['data-consumer'] !== 'web-app' &&
          e['data-consumer'] !== 'backend-api',
      );
      expect(hostileEdge?.['data-consumer']).toBe(
        '&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;',
      );
    });

    it('hands the script the strings unchanged', () => {
      const data = embedded(html);
      expect(data.edges[0]).toMatchObject({
        interactions: [{ description: hostile, mismatches: [`<!-- ${hostile}`] }, {}],
      });
      expect(data.edges.at(-1)).toMatchObject({ consumer: hostile, problems: [hostile] });
    });
  });
});

describe('jsonForScript', () => {
  it('writes no < > & or line separators, and parses back to the same value', () => {
    const value = { a: '</script><!--', b: 'x > y && z', c: '\u2028\u2029' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect([412, 9120, 61234, 3_600_000].map(formatDuration)).toEqual([
      '412 ms',
      '9.1 s',
      '1 min 1 s',
      '60 min 0 s',
    ]);
  });
});
