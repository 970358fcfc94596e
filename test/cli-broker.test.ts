import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../src/broker/testing.js';
import { generatePacts } from '../src/contracts/generate.js';
import { loadMesh } from '../src/contracts/mesh.js';
import { packageRoot } from '../src/runtime/paths.js';
import { buildCli, runMeshpact, runMeshpactAsync } from './support/meshpact-process.js';

// The broker commands of the built CLI against meshpact's own broker (in this
// process, so the CLI runs without blocking it), with the repository's real
// pacts, written by the consumers' contract tests.

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8' }).trim();

describe('the meshpact broker commands', () => {
  let broker: BrokerUnderTest;
  let pactDir: string;
  // Set whether or not the environment running the tests has them.
  const noBrokerEnv = { PACT_BROKER_BASE_URL: '', PACT_BROKER_TOKEN: '' };
  const meshpact = (...args: string[]) =>
    runMeshpactAsync([...args, '--broker-base-url', broker.url], noBrokerEnv);

  beforeAll(async () => {
    buildCli();
    pactDir = mkdtempSync(join(tmpdir(), 'meshpact-cli-pacts-'));
    // One after the other: a broker started beside a failing generation would be left running.
    await generatePacts(loadMesh(), pactDir);
    broker = await startBrokerForTest();
  }, 180_000);
  afterAll(async () => {
    await broker?.close();
    rmSync(pactDir, { recursive: true, force: true });
  });

  describe('publish', () => {
    it("publishes each consumer's pacts under one version, branch and tags, printing the broker's notices", async () => {
      const result = await meshpact(
        'publish',
        pactDir,
        '--consumer-app-version',
        'c1',
        '--branch',
        'main',
        '--tag',
        'dev',
        '--tag',
        'v1',
      );

      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^backend-api c1 \(branch main\): auth-service$/m);
      expect(result.stdout).toMatch(
        /^web-app c1 \(branch main\): auth-service, backend-api, backend-events$/m,
      );
      expect(result.stdout).toMatch(/^ {2}\S.*web-app.*c1/m);
      for (const [provider, consumer] of [
        ['auth-service', 'web-app'],
        ['backend-api', 'web-app'],
        ['backend-events', 'web-app'],
        ['auth-service', 'backend-api'],
      ]) {
        const pact = await fetch(
          `${broker.url}/pacts/provider/${provider}/consumer/${consumer}/version/c1`,
        );
        expect(pact.status).toBe(200);
      }
      const version = (await (
        await fetch(`${broker.url}/pacticipants/web-app/versions/c1`)
      ).json()) as { _embedded: { branchVersions: { name: string }[]; tags: { name: string }[] } };
      expect(version._embedded.branchVersions.map((b) => b.name)).toEqual(['main']);
      expect(version._embedded.tags.map((t) => t.name).sort()).toEqual(['dev', 'v1']);
    }, 60_000);

    describe("without a dir, on a broker of its own (the others' versions stay as they are)", () => {
      let own: BrokerUnderTest;
      beforeAll(async () => {
        own = await startBrokerForTest();
      });
      afterAll(() => own?.close());

      it('publishes from the folders the manifest says its consumers write to, when no dir is given', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'meshpact-publish-mesh-'));
        try {
          const mesh = join(dir, 'mesh.yaml');
          writeFileSync(
            mesh,
            [
              'pacticipants:',
              '  auth-service: { kind: http, url: http://127.0.0.1:9 }',
              `  web-app: { kind: consumer, tests: { command: 'true', pacts: ${JSON.stringify(pactDir)} } }`,
              'contracts: [{ consumer: web-app, provider: auth-service }]',
            ].join('\n'),
          );
          const result = await runMeshpactAsync(
            [
              'publish',
              '--mesh',
              mesh,
              '-a',
              'c9',
              '--branch',
              'main',
              '--broker-base-url',
              own.url,
            ],
            noBrokerEnv,
          );
          expect(result.stderr).toBe('');
          expect(result.status).toBe(0);
          expect(result.stdout).toMatch(/^web-app c9 \(branch main\): auth-service, backend-api/m);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, 60_000);
    });

    it('refuses a directory without pact files with exit 2', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'meshpact-no-pacts-'));
      try {
        const result = await meshpact('publish', empty, '--consumer-app-version', 'x');
        expect(result.status).toBe(2);
        expect(result.stderr).toBe(`meshpact: no pact files in ${empty}\n`);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe('verify', () => {
    it('verifies auth-service from the broker with the default selectors and publishes the results', async () => {
      const result = await meshpact(
        'verify',
        '--provider',
        'auth-service',
        '--publish-verification-results',
        '--provider-app-version',
        'p1',
        '--provider-version-branch',
        'main',
      );

      // The service's own lines only (`auth-service | …`): meshpact itself reports nothing there.
      expect(
        result.stderr.split('\n').filter((l) => l && !l.startsWith('auth-service | ')),
      ).toEqual([]);
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines.filter((l) => l.startsWith('✓ web-app: ')).length).toBeGreaterThan(3);
      expect(lines.filter((l) => l.startsWith('✗'))).toEqual([]);
      expect(lines.at(-1)).toMatch(/^auth-service: \d+ passed, 0 failed; verified$/);
      const results = await fetch(
        `${broker.url}/pacts/provider/auth-service/consumer/web-app/version/c1`,
      );
      const pact = (await results.json()) as {
        _links: { 'pb:latest-verification-results': { href: string } };
      };
      const verification = (await (
        await fetch(pact._links['pb:latest-verification-results'].href)
      ).json()) as Record<string, unknown>;
      expect(verification).toMatchObject({ success: true, providerApplicationVersion: 'p1' });
    }, 180_000);

    it('verifies from local pact files when no broker is named', async () => {
      const result = await runMeshpactAsync(
        ['verify', '--provider', 'auth-service', '--pact-dir', pactDir],
        noBrokerEnv,
      );

      // The service's own lines only (`auth-service | …`): meshpact itself reports nothing there.
      expect(
        result.stderr.split('\n').filter((l) => l && !l.startsWith('auth-service | ')),
      ).toEqual([]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^✓ web-app: /m);
      expect(result.stdout).toMatch(/^auth-service: \d+ passed, 0 failed; verified$/m);
    }, 180_000);

    it('refuses an unknown provider with exit 2', async () => {
      const result = await meshpact('verify', '--provider', 'billing');
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        'meshpact: unknown provider "billing"; choose from auth-service, backend-api, backend-events\n',
      );
    });
  });

  describe('can-i-deploy', () => {
    it('says yes for the verified auth-service version, with the rows', async () => {
      const result = await meshpact(
        'can-i-deploy',
        '--pacticipant',
        'auth-service',
        '--version',
        'p1',
      );

      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^web-app\s+\| c1\s+\| auth-service \| p1\s+\| true$/m);
      expect(result.stdout).toMatch(/^backend-api\s+\| c1\s+\| auth-service \| p1\s+\| true$/m);
      expect(result.stdout.trim().split('\n').at(-1)).toBe('yes: auth-service p1 can be deployed');
    });

    it('says no, with the reason, for a version nobody verified', async () => {
      const result = await meshpact('can-i-deploy', '--pacticipant', 'web-app', '--version', 'c1');

      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/backend-api/);
      expect(result.stdout).toMatch(
        /^There is no verified pact between web-app \(c1\) and backend-api \(c1\)$/m,
      );
      expect(result.stdout).toMatch(
        /^There is no verified pact between web-app \(c1\) and a version of backend-events$/m,
      );
      expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^no: web-app c1 cannot be deployed/);
    });

    it('answers with --json', async () => {
      const result = await meshpact(
        'can-i-deploy',
        '--pacticipant',
        'web-app',
        '--version',
        'c1',
        '--json',
      );

      expect(result.status).toBe(1);
      const answer = JSON.parse(result.stdout) as {
        deployable: boolean | null;
        reasons: string[];
        rows: { consumer: string; provider: string; success: boolean | null }[];
      };
      expect(answer.deployable).not.toBe(true);
      expect(answer.rows).toContainEqual(
        expect.objectContaining({ consumer: 'web-app', provider: 'auth-service', success: true }),
      );
      expect(answer.reasons.length).toBeGreaterThan(0);
    });
  });

  describe('record-deployment', () => {
    it('records a deployment that can-i-deploy --to-environment then counts', async () => {
      const created = await fetch(`${broker.url}/environments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'production', production: true }),
      });
      expect(created.status).toBe(201);
      const before = await meshpact(
        'can-i-deploy',
        '--pacticipant',
        'backend-api',
        '--version',
        'c1',
        '--to-environment',
        'production',
      );
      expect(before.status).toBe(1);

      const recorded = await meshpact(
        'record-deployment',
        '--pacticipant',
        'auth-service',
        '--version',
        'p1',
        '--environment',
        'production',
      );
      expect(recorded.stderr).toBe('');
      expect(recorded.status).toBe(0);
      expect(recorded.stdout).toBe('recorded: auth-service p1 is deployed to production\n');

      const after = await meshpact(
        'can-i-deploy',
        '--pacticipant',
        'backend-api',
        '--version',
        'c1',
        '--to-environment',
        'production',
      );
      expect(after.stdout.trim().split('\n').at(-1)).toBe(
        'yes: backend-api c1 can be deployed to production',
      );
      expect(after.status).toBe(0);
    });

    it('fails with one line for an environment the broker does not have', async () => {
      const result = await meshpact(
        'record-deployment',
        '--pacticipant',
        'auth-service',
        '--version',
        'p1',
        '--environment',
        'staging',
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toBe('meshpact: the broker has no environment named staging\n');
    });
  });

  describe('when no broker is named', () => {
    it.each([
      ['publish', 'contracts/pacts'],
      ['can-i-deploy', '--pacticipant', 'web-app', '--version', 'c1'],
      ['record-deployment', '-a', 'web-app', '-e', 'c1', '--environment', 'production'],
    ])('%s exits 2 with one line naming PACT_BROKER_BASE_URL', async (...args) => {
      const result = await runMeshpactAsync(args, noBrokerEnv);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        'meshpact: no broker: give --broker-base-url or set PACT_BROKER_BASE_URL\n',
      );
    });
  });

  describe('publish without a version or branch', () => {
    // Last: it publishes new latest versions of the consumers.
    it('publishes as the git commit on the git branch', async () => {
      const result = await meshpact('publish', pactDir, '--json');

      expect(result.status).toBe(0);
      const commit = git('rev-parse', '--short', 'HEAD');
      const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
      const published = JSON.parse(result.stdout) as {
        branch: string;
        publications: { consumer: string; version: string }[];
      };
      expect(published.branch).toBe(branch);
      expect(published.publications.map((p) => [p.consumer, p.version])).toEqual([
        ['backend-api', commit],
        ['web-app', commit],
      ]);
      const version = await fetch(
        `${broker.url}/pacticipants/web-app/branches/${encodeURIComponent(branch)}/versions/${commit}`,
      );
      expect(version.status).toBe(200);
    }, 60_000);
  });
});

describe('the meshpact broker commands, asked for help', () => {
  beforeAll(buildCli, 120_000);

  it.each(['publish', 'verify', 'can-i-deploy', 'record-deployment'])(
    '%s --help names the Pact CLI flags and shows examples',
    (command) => {
      const result = runMeshpact([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(
        /--broker-base-url <url>\s+the broker \(env PACT_BROKER_BASE_URL\)/,
      );
      expect(result.stdout).toMatch(new RegExp(`Examples?:\\n  \\$ npx meshpact ${command} `));
    },
  );
});
