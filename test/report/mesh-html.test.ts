import { execFile } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { renderMeshHtml } from '../../src/report/html.js';
import type { MeshReport } from '../../src/report/model.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { readPng } from '../support/png.js';

// The page in a real browser (Debian's chromium, headless): it renders to a screenshot
// with the colours its CSS asks for, and its script runs under its own CSP and opens the
// failing contract. MESHPACT_UPDATE_SCREENSHOT=1 also copies the screenshot to
// docs/mesh-report.png, the picture the README shows.

const run = promisify(execFile);
const WIDTH = 1280;
const HEIGHT = 900;

function findChromium(): string {
  const names = ['chromium', 'chromium-browser'];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error(
    `No ${names.join(' or ')} on PATH. This test needs a real browser: install Debian's ` +
      'chromium with `apt-get install chromium`.',
  );
}

describe('reports/mesh.html in chromium', () => {
  let chromium: string;
  let dir: string;
  let page: string;
  const chrome = (...args: string[]) =>
    run(
      chromium,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        `--user-data-dir=${join(dir, 'profile')}`,
        ...args,
        pathToFileURL(page).href,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );

  beforeAll(() => {
    chromium = findChromium();
    dir = mkdtempSync(join(tmpdir(), 'meshpact-html-'));
    page = join(dir, 'mesh.html');
    const fixture = join(packageRoot(), 'src/report/__fixtures__/mesh-report.json');
    const report = JSON.parse(readFileSync(fixture, 'utf8')) as MeshReport;
    writeFileSync(page, renderMeshHtml(report));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('when screenshotted at 1280x900', () => {
    it('draws a full page in the colours of a failing run', async () => {
      const shot = join(dir, 'mesh.png');
      await chrome('--hide-scrollbars', `--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${shot}`);
      const png = readPng(readFileSync(shot));
      expect([png.width, png.height, png.bitDepth]).toEqual([WIDTH, HEIGHT, 8]);

      // Not blank, and styled as asked: a blank or unstyled page has none of these exact
      // colours; the rendered one has large solid areas of each (counts measured on the
      // sample are thousands; 100 pixels is a 10x10 patch).
      const count = new Map<string, number>();
      for (const c of png.colours()) count.set(c, (count.get(c) ?? 0) + 1);
      const solid = {
        'failed red (verdict badge, failing edge)': 'cf222e',
        'passed green (badges, passing edges)': '1a7f37',
        'failing header background': 'ffebe9',
        'consumer node fill': 'ddf4ff',
        'message provider node fill': 'fff8c5',
      };
      for (const [what, hex] of Object.entries(solid)) {
        expect([what, (count.get(hex) ?? 0) >= 100]).toEqual([what, true]);
      }
      // Text is there: anti-aliased glyphs give hundreds of distinct colours.
      expect(count.size).toBeGreaterThan(200);

      if (process.env.MESHPACT_UPDATE_SCREENSHOT === '1') {
        copyFileSync(shot, join(packageRoot(), 'docs/mesh-report.png'));
      }
    });
  });

  describe('when loaded', () => {
    it('runs its script: the failing contract is selected and its panel lists the mismatch', async () => {
      const { stdout: dom } = await chrome('--dump-dom', '--virtual-time-budget=5000');
      // The script's last act; a blocked or broken script leaves it unset.
      expect(/<html[^>]*>/.exec(dom)?.[0]).toBe('<html lang="en" data-ready="true">');

      const panel = /<section id="edge-panel"[^>]*>[\s\S]*?<\/section>/.exec(dom)?.[0] ?? '';
      expect(panel).toContain('data-edge="e0" data-state="failed"');
      expect(panel).toContain('<h3>web-app → auth-service</h3>');
      expect(panel).toContain('✗ failed: 1 of 2 interactions passed (10 in the pact)');
      expect(panel).toMatch(
        /<li class="ix ix--failed"><span class="badge status--failed">failed<\/span><span class="ix-description">a login with the right password<\/span><ul class="mismatches"><li><code class="mismatch">\$ -&gt; Actual map is missing the following keys: access_token<\/code>/,
      );

      const selected = /<g class="edge edge--failed edge--selected"[^>]*>/.exec(dom)?.[0];
      expect(selected).toContain('data-consumer="web-app" data-provider="auth-service"');
      expect(selected).toContain('aria-pressed="true"');
      expect(dom.match(/aria-pressed="true"/g)).toHaveLength(1);
    });
  });
});
