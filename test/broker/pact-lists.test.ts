import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { getHal, pactFile } from '../support/pacts.js';

// The lists of latest pacts, as the Pact Broker writes them: each pact with its
// consumer and provider embedded and linked, dates in the broker's format,
// and the provider's lists linking their provider.

interface Linked {
  name: string;
  _links: { self: { href: string } };
}

describe('lists of pacts', () => {
  let broker: BrokerUnderTest;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);
  const get = <T>(path: string) => getHal<T>(broker.url, path);

  beforeAll(async () => {
    broker = await startBrokerForTest();
    const published = await fetch(
      `${broker.url}/pacts/provider/Pricing%20Service/consumer/Condor/version/1.3.0`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pactFile('Condor', 'Pricing Service', ['a price'])),
      },
    );
    expect(published.status).toBe(201);
    const tagged = await cli(
      'create-version-tag',
      '--pacticipant',
      'Condor',
      '--version',
      '1.3.0',
      '--tag',
      'prod',
    );
    expect(tagged.status).toBe(0);
  });
  afterAll(() => broker.close());

  describe('when the latest pact of every integration is listed', () => {
    it('embeds and links each pact’s consumer, its version, and its provider', async () => {
      const list = await get<{
        pacts: {
          createdAt: string;
          _embedded: {
            consumer: Linked & { _embedded: { version: { number: string } } };
            provider: Linked;
          };
        }[];
        _links: { 'pb:pacts': { href: string }[] };
      }>('/pacts/latest');
      expect(list.pacts).toHaveLength(1);
      const [pact] = list.pacts;
      expect(pact?._embedded.consumer).toMatchObject({
        name: 'Condor',
        _embedded: { version: { number: '1.3.0' } },
        _links: { self: { href: `${broker.url}/pacticipants/Condor` } },
      });
      expect(pact?._embedded.provider).toMatchObject({
        name: 'Pricing Service',
        _links: { self: { href: `${broker.url}/pacticipants/Pricing%20Service` } },
      });
      expect(list._links['pb:pacts']).toEqual([
        expect.objectContaining({
          href: `${broker.url}/pacts/provider/Pricing%20Service/consumer/Condor/latest`,
        }),
      ]);
    });

    it('dates them as the Pact Broker does, which list-latest-pact-versions prints', async () => {
      const list = await get<{ pacts: { createdAt: string }[] }>('/pacts/latest');
      expect(list.pacts[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);

      const printed = await cli('list-latest-pact-versions');
      expect(printed.status).toBe(0);
      expect(printed.stdout).toContain(list.pacts[0]!.createdAt);
    });
  });

  describe("when a provider's latest pacts are listed", () => {
    it.each([
      ['/pacts/provider/Pricing%20Service/latest'],
      ['/pacts/provider/Pricing%20Service/latest/prod'],
    ])('%s links the provider, also under the deprecated provider relation', async (path) => {
      const list = await get<{
        _links: {
          'pb:provider': { href: string };
          provider: { href: string; title: string };
          'pb:pacts': { name: string }[];
        };
      }>(path);
      const href = `${broker.url}/pacticipants/Pricing%20Service`;
      expect(list._links['pb:provider'].href).toBe(href);
      expect(list._links.provider).toMatchObject({ href, title: 'Pricing Service' });
      expect(list._links['pb:pacts'].map((link) => link.name)).toEqual(['Condor']);
    });
  });
  describe("when get-pacts asks for a provider's pacts by its consumers' branches", () => {
    let dir: string;
    const publish = async (version: string, branch: string, descriptions: string[]) => {
      const file = join(dir, `web-api-${version}.json`);
      await writeFile(file, JSON.stringify(pactFile('web', 'api', descriptions)));
      const published = await cli(
        'publish',
        file,
        '--consumer-app-version',
        version,
        '--branch',
        branch,
      );
      expect(published.status).toBe(0);
    };
    const versionsListed = async (...args: string[]) => {
      const answer = await cli('get-pacts', '--provider', 'api', '--output', 'json', ...args);
      expect(answer.status).toBe(0);
      const body = JSON.parse(answer.stdout) as { pacts: { href: string }[] };
      return body.pacts.map((link) => link.href.split('/').at(-1));
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'meshpact-pact-lists-'));
      await publish('web-1', 'main', ['a page']);
      await publish('web-2', 'main', ['a page', 'a menu']);
      await publish('web-f1', 'feat', ['a page', 'a search']);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("lists the pacts of every consumer's main branch, or only the latest", async () => {
      expect(await versionsListed()).toEqual(['web-2', 'web-1']);
      expect(await versionsListed('--latest')).toEqual(['web-2']);
    });

    it('lists the pacts of a named consumer branch, or only the latest', async () => {
      expect(await versionsListed('--branch', 'feat')).toEqual(['web-f1']);
      expect(await versionsListed('--branch', 'feat', '--latest')).toEqual(['web-f1']);
    });

    it('lists all of a provider’s pacts, or those of versions with a tag', async () => {
      const all = await get<{ _links: { 'pb:pacts': { href: string }[] } }>('/pacts/provider/api');
      expect(all._links['pb:pacts'].map((link) => link.href.split('/').at(-1))).toEqual([
        'web-f1',
        'web-2',
        'web-1',
      ]);
      const tagged = await get<{ _links: { 'pb:pacts': { name: string }[] } }>(
        '/pacts/provider/Pricing%20Service/tag/prod',
      );
      expect(tagged._links['pb:pacts'].map((link) => link.name)).toEqual(['Condor']);
    });
  });
});
