import { execFileSync, execSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MeshReport } from '../src/report/model.js';
import { packageRoot } from '../src/runtime/paths.js';
import {
  buildCli,
  scratchTmpdir,
  startMeshpact,
  startMeshpactOnTerminal,
} from './support/meshpact-process.js';
import { expectNothingLeft, leftovers, workspace } from './support/run-workspace.js';

// `meshpact run`, the whole mesh check, as `npm start` runs it: a real run
// that passes, a run against a provider broken on purpose, and Ctrl-C.

const root = packageRoot();
const ESC = '\u001b';
/** What a terminal shows of some output: no colour codes. */
const uncoloured = (text: string) => text.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '');

/** What a run that should have passed printed and wrote about why it did not. */
function whyItFailed(run: { stdout(): string; stderr(): string }, reports: string): string {
  const summary = join(reports, 'summary.md');
  const junit = join(reports, 'junit.xml');
  return [
    `stderr:\n${run.stderr().slice(-4000)}`,
    existsSync(summary) ? `summary.md:\n${readFileSync(summary, 'utf8').slice(0, 6000)}` : '',
    existsSync(junit)
      ? `junit failures:\n${(readFileSync(junit, 'utf8').match(/<failure[\s\S]*?<\/failure>/g) ?? []).join('\n').slice(0, 6000)}`
      : '',
  ].join('\n');
}

describe('meshpact run', () => {
  beforeAll(() => buildCli(), 120_000);

  it('checks the whole mesh, prints JSON only with --json, writes the reports and exits 0', async () => {
    const scratch = scratchTmpdir();
    const space = workspace();
    const run = startMeshpact(['run', '--json', '--reports', space.reports, '--base', 'HEAD'], {
      TMPDIR: scratch.path,
      MESHPACT_PACT_DIR: space.pacts,
      CI: 'true',
    });
    try {
      const status = await run.exited();
      // A failed run's reasons are in its reports, which the workspace takes with it.
      if (status !== 0) throw new Error(`exit ${status}\n${whyItFailed(run, space.reports)}`);
      const report = JSON.parse(run.stdout()) as MeshReport;
      expect(report.verdict).toBe('pass');
      expect(report.verifications.map((v) => [v.provider, v.success])).toEqual([
        ['auth-service', true],
        ['backend-api', true],
        ['backend-events', true],
      ]);
      // Every interaction the consumers' tests wrote was verified, each once.
      const interactions = report.verifications.flatMap((v) => v.interactions);
      const written = report.contracts.reduce((sum, c) => sum + c.interactions, 0);
      expect(written).toBeGreaterThanOrEqual(30);
      expect(interactions).toHaveLength(written);
      expect(report.canIDeploy.every((d) => d.deployable === true)).toBe(true);
      expect(run.stdout()).not.toContain(ESC);

      const junit = readFileSync(join(space.reports, 'junit.xml'), 'utf8');
      expect(junit.match(/<testcase /g)?.length).toBeGreaterThanOrEqual(interactions.length);
      expect(junit).not.toContain('<failure');
      const summary = readFileSync(join(space.reports, 'summary.md'), 'utf8');
      expect(summary).toMatch(/^## meshpact: ✅ every consumer and provider agree/);
      // --base HEAD: the schemas are those of the last commit, so nothing changed.
      expect(report.review?.changes).toEqual([]);
      expect(summary).toContain('### Schema review: ✅ no change breaks a consumer');
      expect(readFileSync(join(space.reports, 'mesh.html'), 'utf8')).toContain('<svg');
      expect(leftovers(scratch.path)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
      scratch.remove();
      space.remove();
    }
  }, 600_000);

  it('exits 1 against a provider broken on purpose, in plain lines, and the reports name the broken interaction', async () => {
    // A copy of this checkout whose auth-service answers token_type "bearer".
    const copy = mkdtempSync(join(tmpdir(), 'meshpact-broken-'));
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((file) => file && existsSync(join(root, file)));
    for (const file of files) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(root, file), join(copy, file));
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const service = join(copy, 'providers/auth/auth.service.ts');
    const source = readFileSync(service, 'utf8');
    expect(source).toContain("token_type: 'Bearer'");
    writeFileSync(
      service,
      source.replace("token_type: 'Bearer'", "token_type: 'bearer' as 'Bearer'"),
    );
    execSync(
      'git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm broken',
      {
        cwd: copy,
      },
    );
    buildCli(copy);
    // And, uncommitted, a schema change web-app reads: the refresh token may grow without bound.
    const tokenSchema = join(copy, 'schemas/auth/token-response.json');
    const schema = JSON.parse(readFileSync(tokenSchema, 'utf8')) as {
      properties: { refresh_token: { maxLength?: number } };
    };
    delete schema.properties.refresh_token.maxLength;
    writeFileSync(tokenSchema, JSON.stringify(schema, null, 2));

    const scratch = scratchTmpdir();
    const run = startMeshpact(
      ['run', '--base', 'HEAD'],
      { TMPDIR: scratch.path, CI: 'true' },
      copy,
    );
    try {
      expect(await run.exited()).toBe(1);
      const out = run.stdout();
      expect(out).not.toContain(ESC);
      expect(out).toMatch(/^verify: failed in /m);
      expect(out).toMatch(/^FAILED: web-app -> auth-service: a login with the right password$/m);
      expect(out).toMatch(/✗ the mesh does not agree/);

      const junit = readFileSync(join(copy, 'reports/junit.xml'), 'utf8');
      expect(junit).toMatch(
        /<testcase classname="web-app -&gt; auth-service" name="a login with the right password">\s*<failure message="[^"]*token_type/,
      );
      const summary = readFileSync(join(copy, 'reports/summary.md'), 'utf8');
      expect(summary).toMatch(/^## meshpact: ❌/);
      expect(summary).toContain('**web-app → auth-service**: a login with the right password');
      expect(summary).toContain('### Schema review: ❌ a change breaks a consumer that uses it');
      expect(summary).toMatch(
        /\| ❌ breaks \| openapi\/auth\.yaml `POST \/auth\/login 200` \| `\/refresh_token` \| bound-loosened: .*web-app: "a login with the right password" \(reads \/refresh\\_token\)/,
      );
      expect(junit).toMatch(
        /<testcase classname="openapi\/auth.yaml POST \/auth\/login 200" name="\/refresh_token bound-loosened">\s*<failure message="[^"]*used by web-app/,
      );
      expect(readFileSync(join(copy, 'reports/mesh.html'), 'utf8')).toContain(
        'a login with the right password',
      );
      expect(leftovers(scratch.path)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
      scratch.remove();
      rmSync(copy, { recursive: true, force: true });
    }
  }, 600_000);

  it('on a terminal, shows the phase at work with its time ticking; Ctrl-C typed there stops everything', async () => {
    const scratch = scratchTmpdir();
    const space = workspace();
    const run = startMeshpactOnTerminal(['run'], {
      TMPDIR: scratch.path,
      MESHPACT_PACT_DIR: space.pacts,
      CI: undefined,
    });
    try {
      await run.line(/✓ schemas/, 120_000);
      // The contract tests take seconds: the live line is redrawn in place as its time goes by.
      const working = /contracts: running the consumers' contract tests (\d+\.\d) s/g;
      for (;;) {
        const times = new Set([...uncoloured(run.stdout()).matchAll(working)].map((m) => m[1]));
        if (times.size >= 3) break;
        if (run.child.exitCode !== null) throw new Error(`exited early:\n${run.stdout()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(run.stdout()).toContain(`\r${ESC}[2K`);

      run.type('\u0003');
      expect(await run.exited()).toBe(130);
      expect(run.stdout()).toMatch(/stopped by SIGINT; everything it started is stopped/);
      expectNothingLeft(scratch.path, space.pacts);
    } finally {
      run.child.kill('SIGKILL');
      scratch.remove();
      space.remove();
    }
  }, 300_000);
});
