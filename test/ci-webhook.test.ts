import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../src/broker/testing.js';
import { generatePacts } from '../src/contracts/generate.js';
import { loadMesh } from '../src/contracts/mesh.js';
import { listen } from '../src/runtime/listen.js';
import { buildCli, runMeshpactAsync } from './support/meshpact-process.js';
import { pactBroker } from './support/pact-broker-cli.js';

// Broker-driven CI, end to end, as docs/ci.md sets it up: a webhook made with
// the official `pact-broker create-webhook` calls the provider's CI when a
// consumer publishes a pact the provider has not verified; that CI (here a
// local server standing in for it) runs `meshpact verify` against the real
// service and publishes the result; can-i-deploy then changes its answer.

describe('broker-driven CI', () => {
  let broker: BrokerUnderTest;
  let dir: string;
  beforeAll(async () => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), 'meshpact-ci-'));
    await generatePacts(loadMesh(), dir);
    broker = await startBrokerForTest({ webhooks: { retrySchedule: [0] } });
  }, 300_000);
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const meshpact = (...args: string[]) =>
    runMeshpactAsync([...args, '--broker-base-url', broker.url], { PACT_BROKER_BASE_URL: '' });

  it('verifies on the webhook a publication fires, after which can-i-deploy says yes', async () => {
    // The provider's CI: runs the verification the webhook asks for, as a workflow would.
    const builds: { payload: Record<string, string>; status: number | null; output: string }[] = [];
    let finished: () => void = () => undefined;
    const built = new Promise<void>((resolve) => (finished = resolve));
    const ci = await listen(
      createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          res.writeHead(202).end();
          const payload = JSON.parse(body) as Record<string, string>;
          void meshpact(
            'verify',
            '--provider',
            payload.provider!,
            '--publish-verification-results',
            '--provider-app-version',
            payload.provider_version!,
            '--provider-version-branch',
            payload.provider_branch!,
          ).then((result) => {
            builds.push({ payload, status: result.status, output: result.stdout + result.stderr });
            finished();
          });
        });
      }),
    );
    try {
      // auth-service's main branch is at p1, which has verified nothing yet.
      const provider = await fetch(
        `${broker.url}/pacticipants/auth-service/branches/main/versions/p1`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      );
      expect(provider.status).toBe(201);
      const webhook = await pactBroker([
        'create-webhook',
        `${ci.url}/dispatch`,
        '--request',
        'POST',
        '--header',
        'Content-Type: application/json',
        '--data',
        '{"provider":"${pactbroker.providerName}","provider_version":"${pactbroker.providerVersionNumber}","provider_branch":"${pactbroker.providerVersionBranch}","pact_url":"${pactbroker.pactUrl}"}',
        '--provider',
        'auth-service',
        '--contract-requiring-verification-published',
        '--description',
        'verify auth-service in CI',
        '--broker-base-url',
        broker.url,
      ]);
      expect(webhook.status).toBe(0);

      const published = await meshpact(
        'publish',
        dir,
        '--consumer-app-version',
        'c1',
        '--branch',
        'main',
      );
      expect(published.status).toBe(0);
      // Until the provider's CI reports back, web-app c1 may not go with auth-service p1.
      const canIDeploy = () =>
        pactBroker([
          'can-i-deploy',
          ...['--pacticipant', 'web-app', '--version', 'c1'],
          ...['--pacticipant', 'auth-service', '--version', 'p1'],
          ...['--broker-base-url', broker.url],
        ]);
      const before = await canIDeploy();
      expect(before.status).toBe(1);

      await built;
      expect(builds).toHaveLength(1);
      expect(builds[0]!.payload).toMatchObject({
        provider: 'auth-service',
        provider_version: 'p1',
        provider_branch: 'main',
        pact_url: expect.stringMatching(
          /\/pacts\/provider\/auth-service\/consumer\/.+\/pact-version\/[0-9a-f]{40}/,
        ) as unknown,
      });
      expect(builds[0]!.status).toBe(0);

      const after = await canIDeploy();
      expect(after.stdout).toMatch(
        /All required verification results are published and successful/,
      );
      expect(after.status).toBe(0);
    } finally {
      await ci.close();
    }
  }, 300_000);
});
