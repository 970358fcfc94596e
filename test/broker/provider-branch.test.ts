import { createServer } from 'node:http';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { listen } from '../../src/runtime/listen.js';
import { statesAt } from '../../src/verify/states.js';
import { verifyWithPact } from '../../src/verify/verifier.js';
import { pactBroker } from '../support/pact-broker-cli.js';

// A provider build that names no branch: pact-js (through Pact's FFI) and
// pact-go then send `"providerVersionBranch": ""`, which the Pact Broker
// takes as no branch unless pending or WIP pacts were asked for without tags.

const fixture = join(import.meta.dirname, '../../src/verify/__fixtures__/shop-catalog.json');

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

const forVerification = (body: Record<string, unknown>) =>
  fetch(`${broker.url}/pacts/provider/catalog/for-verification`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/hal+json' },
    body: JSON.stringify({ consumerVersionSelectors: [{ mainBranch: true }], ...body }),
  });

describe('pacts for verification for a provider build with no branch', () => {
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
    const answer = await forVerification({ providerVersionBranch: '   ' });
    expect(answer.status).toBe(400);
  });

  it('lets the pact-js Verifier verify a provider without a branch, pending pacts off as by default', async () => {
    const provider = await listen(
      createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        req.resume();
        if (req.url === '/items/2') res.statusCode = 404;
        res.end(req.url === '/items/1' ? JSON.stringify({ name: 'lamp', price: 25 }) : '{}');
      }),
    );
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
