import { createServer } from 'node:http';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { listen } from '../../src/runtime/listen.js';
import { prepareStates } from '../../src/verify/states.js';
import { verifyWithPact } from '../../src/verify/verifier.js';
import { pactBroker } from '../support/pact-broker-cli.js';

// pact-js's Verifier against meshpact's broker: it fetches pacts for
// verification with selectors, sees pending pacts as pending, and publishes
// results that the broker then counts.

const fixture = join(import.meta.dirname, '../../src/verify/__fixtures__/shop-catalog.json');

/** The catalog provider of the fixture pact; `broken` answers a field under another name. */
async function catalog(broken: boolean) {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/items/1') {
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
        states: prepareStates([
          {
            states: { 'an item exists': { setup: () => Promise.resolve() } },
            reset: () => Promise.resolve(),
          },
        ]),
        source: {
          brokerUrl: broker.url,
          consumerVersionSelectors: [{ mainBranch: true }],
          enablePending: true,
          publish: { providerVersion, providerVersionBranch: 'main' },
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
    const branches = (await (
      await fetch(`${broker.url}/pacticipants/catalog/versions/catalog-2`)
    ).json()) as {
      _embedded: { branchVersions: { name: string }[] };
    };
    expect(branches._embedded.branchVersions.map((b) => b.name)).toEqual(['main']);
  }, 60_000);

  it('refuses selectors that break the rules, saying which', async () => {
    const answer = await fetch(`${broker.url}/pacts/provider/catalog/for-verification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/problem+json' },
      body: JSON.stringify({ consumerVersionSelectors: [{ tag: 'prod', branch: 'main' }] }),
    });
    expect(answer.status).toBe(422);
    expect(await answer.json()).toMatchObject({
      code: 'validation_failed',
      errors: [
        {
          path: '/consumerVersionSelectors/0',
          message: 'a selector cannot have both tag and branch (at index 0)',
        },
      ],
    });
  });
});
