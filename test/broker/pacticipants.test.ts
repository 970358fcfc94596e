import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { getHal } from '../support/pacts.js';

// Pacticipants as the Pact Broker's clients read them: the current relations
// and the deprecated ones its older clients (the Ruby pact_broker-client)
// still look for.

interface VersionLink {
  number: string;
  _links: { self: { href: string } };
}

describe('pacticipants', () => {
  let broker: BrokerUnderTest;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);
  const get = <T>(path: string) => getHal<T>(broker.url, path);

  beforeAll(async () => {
    broker = await startBrokerForTest();
    for (const version of ['1.0.0', '1.3.0']) {
      const made = await cli(
        'create-or-update-version',
        '--pacticipant',
        'Pricing Service',
        '--version',
        version,
      );
      expect(made.status).toBe(0);
    }
  });
  afterAll(() => broker.close());

  it.each(['page=0x10', 'size=1e2', 'page=1.0', 'size=+5', 'page= 2'])(
    'refuses a page that is not plain digits (%s)',
    async (query) => {
      // As a Pact client asks (no Accept): HAL, `errors` by parameter name.
      const answer = await fetch(`${broker.url}/pacticipants?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
      const parameter = query.split('=')[0]!;
      expect(await answer.json()).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: { [parameter]: [expect.stringMatching(/./)] },
      });
    },
  );

  describe('when one is read', () => {
    it('embeds its latest version, also under the deprecated latest-version', async () => {
      const pacticipant = await get<{
        _embedded: { latestVersion: VersionLink; 'latest-version': VersionLink };
        _links: { versions: { href: string } };
      }>('/pacticipants/Pricing%20Service');
      const href = `${broker.url}/pacticipants/Pricing%20Service/versions/1.3.0`;
      expect(pacticipant._embedded.latestVersion).toMatchObject({
        number: '1.3.0',
        _links: { self: { href } },
      });
      expect(pacticipant._embedded['latest-version']).toMatchObject({
        number: '1.3.0',
        _links: { self: { href } },
      });
      expect(pacticipant._links.versions.href).toBe(
        `${broker.url}/pacticipants/Pricing%20Service/versions`,
      );
    });
  });

  describe('when they are listed', () => {
    it('links each under pb:pacticipants and the deprecated pacticipants relation', async () => {
      const list = await get<{
        pacticipants: { name: string; _embedded: { 'latest-version': VersionLink } }[];
        _links: {
          'pb:pacticipants': { href: string; name: string }[];
          pacticipants: { href: string; title: string }[];
        };
      }>('/pacticipants');
      const href = `${broker.url}/pacticipants/Pricing%20Service`;
      expect(list._links['pb:pacticipants']).toEqual([
        expect.objectContaining({ href, name: 'Pricing Service' }),
      ]);
      expect(list._links.pacticipants).toEqual([
        expect.objectContaining({ href, title: 'Pricing Service' }),
      ]);
      expect(list.pacticipants[0]?._embedded['latest-version'].number).toBe('1.3.0');
    });
  });
});
