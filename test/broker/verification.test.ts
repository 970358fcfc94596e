import { createServer } from 'node:http';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { listen } from '../../src/runtime/listen.js';
import { statesAt } from '../../src/verify/states.js';
import { verifyWithPact } from '../../src/verify/verifier.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { publishResult } from '../support/pacts.js';

// pact-js's Verifier against meshpact's broker: it fetches pacts for
// verification with selectors, sees pending pacts as pending, and publishes
// results that the broker then counts.

const fixture = join(import.meta.dirname, '../../src/verify/__fixtures__/shop-catalog.json');

/** The catalog provider of the fixture pact; `broken` answers a field under another name. */
async function catalog(broken: boolean) {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/_pact/provider-states') {
      req.resume();
      res.end('{}');
    } else if (req.url === '/items/1') {
      res.end(JSON.stringify(broken ? { title: 'lamp', price: 25 } : { name: 'lamp', price: 25 }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  return listen(server);
}

describe('the pact-js Verifier and the broker', () => {
  let broker: BrokerUnderTest;
  beforeAll(async () => {
    broker = await startBrokerForTest();
    const published = await pactBroker([
      'publish',
      fixture,
      '--consumer-app-version',
      'shop-1',
      '--branch',
      'main',
      '--broker-base-url',
      broker.url,
    ]);
    expect(published.status).toBe(0);
  });
  afterAll(() => broker.close());

  const verify = async (broken: boolean, providerVersion: string) => {
    const provider = await catalog(broken);
    try {
      return await verifyWithPact({
        provider: 'catalog',
        providerBaseUrl: provider.url,
        consumers: ['shop'],
        states: statesAt('catalog', `${provider.url}/_pact/provider-states`),
        source: {
          brokerUrl: broker.url,
          consumerVersionSelectors: [{ mainBranch: true }],
          enablePending: true,
          providerVersionBranch: 'main',
          publish: { providerVersion },
        },
      });
    } finally {
      await provider.close();
    }
  };

  const pendingOf = async () => {
    const answer = await fetch(`${broker.url}/pacts/provider/catalog/for-verification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        consumerVersionSelectors: [{ mainBranch: true }],
        providerVersionBranch: 'main',
        includePendingStatus: true,
      }),
    });
    const body = (await answer.json()) as {
      _embedded: {
        pacts: { shortDescription: string; verificationProperties: { pending: boolean } }[];
      };
    };
    return body._embedded.pacts.map((p) => [p.shortDescription, p.verificationProperties.pending]);
  };

  it('hands out a never-verified pact as pending, so its failure does not fail the build', async () => {
    expect(await pendingOf()).toEqual([['latest from main branch (main)', true]]);

    const report = await verify(true, 'catalog-1');

    expect(report.success).toBe(true);
    expect(
      report.interactions.find((i) => i.description === 'a request for an item'),
    ).toMatchObject({
      success: false,
      pending: true,
    });
    const latest = await fetch(`${broker.url}/pacticipants/catalog/versions/catalog-1`);
    expect(latest.status).toBe(200);
  }, 60_000);

  it('records the published results, and a pact verified on the branch is no longer pending', async () => {
    const report = await verify(false, 'catalog-2');
    expect(report.success).toBe(true);

    expect(await pendingOf()).toEqual([['latest from main branch (main)', false]]);
    const pact = (await (
      await fetch(`${broker.url}/pacts/provider/catalog/consumer/shop/latest`)
    ).json()) as {
      _links: { 'pb:latest-verification-results': { href: string } };
    };
    const result = (await (
      await fetch(pact._links['pb:latest-verification-results'].href)
    ).json()) as Record<string, unknown>;
    expect(result).toMatchObject({ success: true, providerApplicationVersion: 'catalog-2' });
    const matrix = (await (
      await fetch(
        `${broker.url}/matrix?q[][pacticipant]=shop&q[][version]=shop-1&q[][pacticipant]=catalog&latestby=cvpv`,
      )
    ).json()) as {
      matrix: {
        provider: { version: { number: string } };
        verificationResult: { success: boolean };
      }[];
    };
    expect(
      matrix.matrix
        .map((row) => [row.provider.version.number, row.verificationResult.success])
        .sort(),
    ).toEqual([
      ['catalog-1', false],
      ['catalog-2', true],
    ]);
    const branches = (await (
      await fetch(`${broker.url}/pacticipants/catalog/versions/catalog-2`)
    ).json()) as {
      _embedded: { branchVersions: { name: string }[] };
    };
    expect(branches._embedded.branchVersions.map((b) => b.name)).toEqual(['main']);
  }, 60_000);

  it('adds work-in-progress pacts from other branches, pending, until the provider branch verifies them', async () => {
    const feature = {
      consumer: { name: 'shop' },
      provider: { name: 'catalog' },
      interactions: [
        {
          description: 'a request for a basket',
          request: { method: 'GET', path: '/basket' },
          response: { status: 200 },
        },
      ],
      metadata: { pactSpecification: { version: '3.0.0' } },
    };
    const published = await fetch(`${broker.url}/contracts/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        pacticipantName: 'shop',
        pacticipantVersionNumber: 'shop-2',
        branch: 'feat/basket',
        contracts: [
          {
            consumerName: 'shop',
            providerName: 'catalog',
            specification: 'pact',
            contentType: 'application/json',
            content: Buffer.from(JSON.stringify(feature)).toString('base64'),
          },
        ],
      }),
    });
    expect(published.status).toBe(200);
    const ask = async (includeWipPactsSince?: string) => {
      const answer = await fetch(`${broker.url}/pacts/provider/catalog/for-verification`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          consumerVersionSelectors: [{ mainBranch: true }],
          providerVersionBranch: 'main',
          ...(includeWipPactsSince ? { includeWipPactsSince } : {}),
        }),
      });
      const body = (await answer.json()) as {
        _embedded: {
          pacts: {
            shortDescription: string;
            verificationProperties: { pending: boolean; wip?: boolean };
          }[];
        };
      };
      return body._embedded.pacts.map((p) => [
        p.shortDescription,
        p.verificationProperties.pending,
        p.verificationProperties.wip ?? false,
      ]);
    };

    expect(await ask()).toEqual([['latest from main branch (main)', false, false]]);
    expect(await ask('2020-01-01')).toEqual([
      ['latest from main branch (main)', false, false],
      ['work in progress', true, true],
    ]);
    expect(await ask('2999-01-01')).toEqual([['latest from main branch (main)', false, false]]);

    // A provider version on main verifies it: no longer work in progress.
    await fetch(`${broker.url}/pacticipants/catalog/branches/main/versions/catalog-3`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const verified = await publishResult(
      `${broker.url}/pacts/provider/catalog/consumer/shop/version/shop-2`,
      { success: true, providerApplicationVersion: 'catalog-3' },
    );
    expect(verified.status).toBe(201);
    expect(await ask('2020-01-01')).toEqual([['latest from main branch (main)', false, false]]);
  });

  /** Asks which pacts to verify, with the main branch as the selector unless the body says otherwise. */
  const forVerification = (body: Record<string, unknown>, accept = 'application/hal+json') =>
    fetch(`${broker.url}/pacts/provider/catalog/for-verification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ consumerVersionSelectors: [{ mainBranch: true }], ...body }),
    });
  const brokenSelectors = { consumerVersionSelectors: [{ tag: 'prod', branch: 'main' }] };

  it('refuses selectors that break the rules, saying which', async () => {
    const answer = await forVerification(brokenSelectors, 'application/problem+json');
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [
        {
          path: '/consumerVersionSelectors/0',
          message: 'a selector cannot have both tag and branch',
        },
      ],
    });
  });

  it('names the selector by its index to a client that asks for HAL, as the Pact Broker does', async () => {
    const answer = await forVerification(brokenSelectors);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      errors: {
        consumerVersionSelectors: ['a selector cannot have both tag and branch (at index 0)'],
      },
    });
  });

  // A provider build that names no branch: pact-js (through Pact's FFI) and
  // pact-go then send `"providerVersionBranch": ""`, which the Pact Broker
  // takes as no branch unless pending or WIP pacts are asked for without tags.
  describe('for a provider build with no branch', () => {
    it('takes an empty branch as none', async () => {
      const answer = await forVerification({
        providerVersionBranch: '',
        includePendingStatus: false,
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { _embedded: { pacts: unknown[] } };
      expect(body._embedded.pacts).toHaveLength(1);
    });

    it('takes an empty branch as none when tags say what pending means', async () => {
      const answer = await forVerification({
        providerVersionBranch: '',
        providerVersionTags: ['main'],
        includePendingStatus: true,
      });
      expect(answer.status).toBe(200);
    });

    it.each([
      ['pending pacts', { includePendingStatus: true }],
      ['WIP pacts', { includeWipPactsSince: '2026-01-01' }],
    ])('refuses an empty branch with %s and no tags, as the Pact Broker does', async (_, asked) => {
      const answer = await forVerification({ providerVersionBranch: '', ...asked });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
      const body = (await answer.json()) as { code: string; errors: Record<string, string[]> };
      expect(body.code).toBe('validation_failed');
      expect(body.errors.providerVersionBranch?.[0]).toMatch(/must not be empty/);
    });

    it('still refuses a branch that is only blanks', async () => {
      expect((await forVerification({ providerVersionBranch: '   ' })).status).toBe(400);
    });

    it('lets the pact-js Verifier verify it, pending pacts off as by default', async () => {
      const provider = await catalog(false);
      try {
        const report = await verifyWithPact({
          provider: 'catalog',
          providerBaseUrl: provider.url,
          consumers: ['shop'],
          states: statesAt('catalog', `${provider.url}/_pact/provider-states`),
          source: {
            brokerUrl: broker.url,
            consumerVersionSelectors: [{ mainBranch: true }],
            enablePending: false,
          },
        });
        expect(report.problems).toEqual([]);
        expect(report.interactions.length).toBeGreaterThan(0);
        expect(report.success).toBe(true);
      } finally {
        await provider.close();
      }
    });
  });
});
