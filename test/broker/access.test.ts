import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp } from '../../src/broker/app.js';
import {
  brokerRoutes,
  seededParam,
  startBrokerForTest,
  type BrokerUnderTest,
  type SeededIds,
} from '../../src/broker/testing.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { storeFingerprint } from '../support/broker-store.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { pactFile } from '../support/pacts.js';

// The read-only token against every route the broker has: it may read and
// ask which pacts to verify, and nothing else, whatever the path looks like
// (pacticipants named `for-verification` included). Routes come from the app
// itself, so one added later is covered without editing this file.

const WRITE = 'rw-token';
const READ = 'ro-token';
// Webhooks here point at a closed loopback port, so even a wrongly accepted one reaches nothing.
const nowhere = 'http://127.0.0.1:1/hook';

describe('the read-only broker token', () => {
  let broker: BrokerUnderTest;
  let db: pg.Pool;
  let dir: string;
  const ids: SeededIds = { environment: '', webhook: '', deployed: '', sha: '' };

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${broker.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/problem+json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const created = async (method: string, path: string, body: unknown) => {
    const answer = await call(method, path, WRITE, body);
    expect(answer.status).toBe(201);
    return (await answer.json()) as Record<string, unknown>;
  };
  const webhook = { enabled: false, request: { method: 'POST', url: nowhere } };

  beforeAll(async () => {
    broker = await startBrokerForTest({
      env: { PACT_BROKER_TOKEN: WRITE, PACT_BROKER_READ_TOKEN: READ },
      webhooks: { allowLocal: true },
    });
    db = new pg.Pool({ connectionString: broker.postgres.connectionString, max: 1 });
    dir = mkdtempSync(join(tmpdir(), 'meshpact-access-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(pactFile('web', 'for-verification', ['a'])));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(pactFile('for-verification', 'api', ['b'])));
    const published = await pactBroker([
      'publish',
      dir,
      '--consumer-app-version',
      '1.0.0',
      '--branch',
      'main',
      '--broker-base-url',
      broker.url,
      '--broker-token',
      WRITE,
    ]);
    expect(published.status).toBe(0);
    ids.environment = String(
      (await created('POST', '/environments', { name: 'prod', production: true })).uuid,
    );
    ids.deployed = String(
      (
        await created(
          'POST',
          `/pacticipants/web/versions/1.0.0/deployed-versions/environment/${ids.environment}`,
          {},
        )
      ).uuid,
    );
    const hook = await created('POST', '/webhooks', webhook);
    ids.webhook = String((hook._links as { self: { href: string } }).self.href.split('/').pop());
    const pact = (await (
      await call('GET', '/pacts/provider/for-verification/consumer/web/latest', READ)
    ).json()) as { _links: { self: { href: string } } };
    ids.sha = (
      (await (
        await fetch(pact._links.self.href, { headers: { authorization: `Bearer ${READ}` } })
      ).json()) as { _links: { 'pb:publish-verification-results': { href: string } } }
    )._links['pb:publish-verification-results'].href
      .split('/')
      .at(-2)!;
  });
  afterAll(async () => {
    await db.end();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Expects 403 forbidden and no row changed, for each request. */
  const refusedAll = async (requests: [method: string, path: string][]) => {
    const before = await storeFingerprint(db);
    const answers: string[] = [];
    for (const [method, path] of requests) {
      const answer = await call(method, path, READ, webhook);
      const problem = (await answer.json()) as { code?: string };
      answers.push(`${method} ${path} -> ${answer.status} ${problem.code}`);
    }
    expect(answers).toEqual(requests.map(([m, p]) => `${m} ${p} -> 403 forbidden`));
    expect(await storeFingerprint(db)).toBe(before);
  };

  describe('when it creates a webhook in any form', () => {
    it('is refused, for pacticipants named for-verification too, and nothing is stored', async () => {
      await refusedAll([
        ['POST', '/webhooks'],
        ['POST', '/webhooks/consumer/for-verification'],
        ['POST', '/webhooks/provider/for-verification'],
        ['POST', '/webhooks/provider/for-verification/consumer/web'],
        ['POST', '/webhooks/provider/api/consumer/for-verification'],
        ['POST', '/pacts/provider/for-verification/consumer/web/webhooks'],
        ['PUT', '/webhooks/a-webhook-uuid-of-my-own'],
        ['POST', '/webhooks/execute'],
        ['POST', `/webhooks/${ids.webhook}/execute`],
      ]);
    });

    it('is a 201 with the read-write token for the same request', async () => {
      expect(
        (await call('POST', '/webhooks/consumer/for-verification', WRITE, webhook)).status,
      ).toBe(201);
    });
  });

  describe('when it asks which pacts to verify', () => {
    it('gets them, for a provider named for-verification too', async () => {
      const answer = await call('POST', '/pacts/provider/for-verification/for-verification', READ, {
        consumerVersionSelectors: [{ mainBranch: true }],
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { _embedded: { pacts: unknown[] } };
      expect(body._embedded.pacts).toHaveLength(1);
    });
  });

  describe('on every route of the app', () => {
    const routes = brokerRoutes(
      createApp({ db: {} as pg.Pool, clock: systemClock, logger: silentLogger }),
    ).filter((route) => !['/healthz', '/readyz'].includes(route.path));
    const fill = (path: string) =>
      path.replace(/:([A-Za-z]+)/g, (_match, name: string) =>
        encodeURIComponent(seededParam(path, name, ids, { provider: 'for-verification' })),
      );
    const asking = (route: { method: string; path: string }) =>
      route.method === 'POST' && route.path === '/pacts/provider/:provider/for-verification';

    it('may not make any request but a GET or asking which pacts to verify', async () => {
      const writing = routes.filter((route) => route.method !== 'GET' && !asking(route));
      expect(writing.length).toBeGreaterThan(25);
      await refusedAll(writing.map((route) => [route.method, fill(route.path)]));
    });

    it('may read through every GET', async () => {
      const refused: string[] = [];
      for (const route of routes.filter((r) => r.method === 'GET')) {
        const answer = await call('GET', fill(route.path), READ);
        if (answer.status === 401 || answer.status === 403)
          refused.push(`${route.path} -> ${answer.status}`);
        await answer.arrayBuffer();
      }
      expect(refused).toEqual([]);
    });
  });
});
