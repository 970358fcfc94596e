import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactFile } from '../support/pacts.js';

// Each consumer version selector of "pacts for verification", on one mesh of
// versions: which consumer versions' pacts a provider build is given.

describe('consumer version selectors', () => {
  let broker: BrokerUnderTest;
  const json = { 'content-type': 'application/json' };

  const publish = async (
    consumer: string,
    version: string,
    branch: string,
    descriptions: string[],
    tags: string[] = [],
  ) => {
    const answer = await fetch(`${broker.url}/contracts/publish`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        pacticipantName: consumer,
        pacticipantVersionNumber: version,
        branch,
        tags,
        contracts: [
          {
            consumerName: consumer,
            providerName: 'catalog',
            specification: 'pact',
            contentType: 'application/json',
            content: Buffer.from(
              JSON.stringify(pactFile(consumer, 'catalog', descriptions)),
            ).toString('base64'),
          },
        ],
      }),
    });
    expect(answer.status).toBe(200);
  };
  const record = async (
    kind: 'deployed' | 'released',
    pacticipant: string,
    version: string,
    environment: string,
  ) => {
    const answer = await fetch(
      `${broker.url}/pacticipants/${pacticipant}/versions/${version}/${kind}-versions/environment/${environment}`,
      { method: 'POST', headers: json, body: '{}' },
    );
    expect([200, 201]).toContain(answer.status);
  };

  /** "consumer version" of each pact handed out, sorted. */
  const select = async (...consumerVersionSelectors: object[]) => {
    const answer = await fetch(`${broker.url}/pacts/provider/catalog/for-verification`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ consumerVersionSelectors, providerVersionBranch: 'feat/x' }),
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      _embedded: { pacts: { _links: { self: { name: string } } }[] };
    };
    return body._embedded.pacts
      .map((pact) =>
        /^Pact between (\S+) \((\S+)\)/.exec(pact._links.self.name)!.slice(1).join(' '),
      )
      .sort();
  };

  beforeAll(async () => {
    broker = await startBrokerForTest();
    await publish('shop', 'shop-1', 'main', ['an item'], ['prod']);
    await publish('shop', 'shop-2', 'feat/x', ['an item', 'a basket']);
    await publish('shop', 'shop-3', 'main', ['an item', 'a price']);
    await publish('kiosk', 'kiosk-1', 'main', ['a screen']);
    const environment = await fetch(`${broker.url}/environments`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'production', production: true }),
    });
    const { uuid } = (await environment.json()) as { uuid: string };
    await record('deployed', 'shop', 'shop-1', uuid);
    await record('released', 'kiosk', 'kiosk-1', uuid);
  });
  afterAll(() => broker.close());

  it.each([
    ['mainBranch', [{ mainBranch: true }], ['kiosk kiosk-1', 'shop shop-3']],
    ['mainBranch of one consumer', [{ mainBranch: true, consumer: 'kiosk' }], ['kiosk kiosk-1']],
    ['branch', [{ branch: 'feat/x' }], ['shop shop-2']],
    [
      'matchingBranch (the provider build is on feat/x)',
      [{ matchingBranch: true }],
      ['shop shop-2'],
    ],
    [
      'a branch with a fallback',
      [{ branch: 'nope', fallbackBranch: 'main' }],
      ['kiosk kiosk-1', 'shop shop-3'],
    ],
    ['tag (every version with it)', [{ tag: 'prod' }], ['shop shop-1']],
    ['tag, latest', [{ tag: 'prod', latest: true }], ['shop shop-1']],
    ['latest', [{ latest: true }], ['kiosk kiosk-1', 'shop shop-3']],
    ['deployed', [{ deployed: true }], ['shop shop-1']],
    ['released', [{ released: true }], ['kiosk kiosk-1']],
    ['deployedOrReleased', [{ deployedOrReleased: true }], ['kiosk kiosk-1', 'shop shop-1']],
    ['environment', [{ environment: 'production' }], ['kiosk kiosk-1', 'shop shop-1']],
    [
      'several at once, each pact once',
      [{ mainBranch: true }, { deployed: true }, { latest: true }],
      ['kiosk kiosk-1', 'shop shop-1', 'shop shop-3'],
    ],
    [
      'none: main branches, and what is deployed or released',
      [],
      ['kiosk kiosk-1', 'shop shop-1', 'shop shop-3'],
    ],
  ])('%s', async (_name, selectors, expected) => {
    expect(await select(...selectors)).toEqual(expected);
  });
});
