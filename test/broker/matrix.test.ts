import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { pactFile, publishResult } from '../support/pacts.js';

// The matrix of two pacticipants named without versions, as the Pact Broker
// answers it: a row per verification, and one row without a provider version
// for each pact nobody verified; never a row per unverified version pair.

interface MatrixBody {
  summary: { deployable: boolean | null; success: number; failed: number; unknown: number };
  matrix: {
    consumer: { version: { number: string } };
    provider: { version: { number: string } | null };
    verificationResult: { success: boolean } | null;
  }[];
}

describe('matrix of pacticipants without versions', () => {
  let broker: BrokerUnderTest;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);

  const publish = async (version: string, descriptions: string[]) => {
    const answer = await fetch(`${broker.url}/pacts/provider/Bar/consumer/Foo/version/${version}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pactFile('Foo', 'Bar', descriptions)),
    });
    expect(answer.status).toBe(201);
  };
  const verify = async (consumerVersion: string, providerVersion: string, success: boolean) => {
    const answer = await publishResult(
      `${broker.url}/pacts/provider/Bar/consumer/Foo/version/${consumerVersion}`,
      { success, providerApplicationVersion: providerVersion },
    );
    expect(answer.status).toBe(201);
  };
  const matrix = async (query: string): Promise<MatrixBody> => {
    const answer = await fetch(`${broker.url}/matrix?${query}`);
    expect(answer.status).toBe(200);
    return (await answer.json()) as MatrixBody;
  };
  const pairs = (body: MatrixBody) =>
    body.matrix
      .map((row) => [
        row.consumer.version.number,
        row.provider.version?.number ?? null,
        row.verificationResult?.success ?? null,
      ])
      .sort((a, b) => String(a).localeCompare(String(b)));

  beforeAll(async () => {
    broker = await startBrokerForTest();
    // foo-1 and foo-2 share content; foo-3 changed it and nobody verified it.
    await publish('foo-1', ['a bar']);
    await publish('foo-2', ['a bar']);
    await publish('foo-3', ['a bar', 'another bar']);
    await verify('foo-1', 'bar-1', false);
    await verify('foo-1', 'bar-2', true);
  });
  afterAll(() => broker.close());

  describe('when neither selector names a version', () => {
    it('has a row per verification and one without a provider version per unverified pact', async () => {
      const body = await matrix('q[][pacticipant]=Foo&q[][pacticipant]=Bar');
      expect(pairs(body)).toEqual([
        ['foo-1', 'bar-1', false],
        ['foo-1', 'bar-2', true],
        ['foo-2', 'bar-1', false],
        ['foo-2', 'bar-2', true],
        ['foo-3', null, null],
      ]);
      expect(body.summary).toMatchObject({ success: 2, failed: 2, unknown: 1 });
    });

    it('keeps the newest provider version per consumer version with latestby=cvp', async () => {
      const body = await matrix('q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cvp');
      expect(pairs(body)).toEqual([
        ['foo-1', 'bar-2', true],
        ['foo-2', 'bar-2', true],
        ['foo-3', null, null],
      ]);
    });

    it('is what pact-broker can-i-deploy prints and decides for the two pacticipants', async () => {
      const answer = await cli('can-i-deploy', '--pacticipant', 'Foo', '--pacticipant', 'Bar');
      expect(answer.status).toBe(1);
      const rows = answer.stdout.split('\n').filter((line) => /^│ Foo/.test(line));
      expect(rows).toHaveLength(5);
      expect(answer.stdout).toMatch(
        /There is no verified pact between Foo \(foo-3\) and a version of Bar/,
      );
    });
  });

  describe('when one selector names a version', () => {
    it('looks for verifications by any version of the other', async () => {
      const body = await matrix('q[][pacticipant]=Foo&q[][version]=foo-3&q[][pacticipant]=Bar');
      expect(pairs(body)).toEqual([['foo-3', null, null]]);
      expect(body.summary).toMatchObject({ deployable: null, unknown: 1 });

      const verified = await matrix(
        'q[][pacticipant]=Foo&q[][version]=foo-2&q[][pacticipant]=Bar&latestby=cvpv',
      );
      expect(pairs(verified)).toEqual([
        ['foo-2', 'bar-1', false],
        ['foo-2', 'bar-2', true],
      ]);
    });

    it('names the provider version a pact was not verified by', async () => {
      const body = await matrix(
        'q[][pacticipant]=Foo&q[][version]=foo-3&q[][pacticipant]=Bar&q[][version]=bar-2&latestby=cvpv',
      );
      expect(pairs(body)).toEqual([['foo-3', null, null]]);
      const answer = await cli(
        'can-i-deploy',
        '--pacticipant',
        'Foo',
        '--version',
        'foo-3',
        '--pacticipant',
        'Bar',
        '--version',
        'bar-2',
      );
      expect(answer.status).toBe(1);
      expect(answer.stdout).toMatch(
        /There is no verified pact between Foo \(foo-3\) and Bar \(bar-2\)/,
      );
    });
  });

  describe('when a selector is ignored', () => {
    // Web's pact with Api passed; the newer one with Auth failed, and is ignored.
    interface IgnoreBody {
      summary: {
        deployable: boolean | null;
        success: number;
        failed: number;
        unknown: number;
        ignored?: number;
      };
      matrix: {
        provider: { name: string; version: { number: string } | null };
        verificationResult: { success: boolean; _links: { self: { href: string } } } | null;
        ignored?: boolean;
      }[];
    }
    const webPact = async (provider: string) => {
      const answer = await fetch(
        `${broker.url}/pacts/provider/${provider}/consumer/Web/version/web-1`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pactFile('Web', provider, [`a call to ${provider}`])),
        },
      );
      expect(answer.status).toBe(201);
    };
    const webVerified = async (provider: string, version: string, success: boolean) => {
      const answer = await publishResult(
        `${broker.url}/pacts/provider/${provider}/consumer/Web/version/web-1`,
        { success, providerApplicationVersion: version },
      );
      expect(answer.status).toBe(201);
    };
    const canIDeploy = 'q[][pacticipant]=Web&q[][version]=web-1&latestby=cvp&latest=true';
    const ignoreAuth = '&ignore[][pacticipant]=Auth&ignore[][version]=auth-1';
    const rows = (body: IgnoreBody) =>
      body.matrix.map((row) => [
        row.provider.name,
        row.provider.version?.number ?? null,
        row.verificationResult?.success ?? null,
        row.ignored ?? false,
      ]);

    beforeAll(async () => {
      await webPact('Api');
      await webPact('Auth');
      await webVerified('Api', 'api-1', true);
      // The newest result, so it would come first were rows not ordered considered-first.
      await webVerified('Auth', 'auth-1', false);
    });

    it('is deployable, counts the ignored row, and lists it after the rows that decided', async () => {
      const body = (await matrix(canIDeploy + ignoreAuth)) as unknown as IgnoreBody;
      expect(body.summary).toEqual(
        expect.objectContaining({
          deployable: true,
          success: 1,
          failed: 0,
          unknown: 0,
          ignored: 1,
        }),
      );
      expect(rows(body)).toEqual([
        ['Api', 'api-1', true, false],
        ['Auth', 'auth-1', false, true],
      ]);
    });

    it('has no summary.ignored without ignore[], and 0 when ignore[] matched no row', async () => {
      const body = (await matrix(canIDeploy)) as unknown as IgnoreBody;
      expect(body.summary).toMatchObject({ deployable: false, success: 1, failed: 1 });
      expect(body.summary).not.toHaveProperty('ignored');
      expect(body.matrix.some((row) => 'ignored' in row)).toBe(false);

      const other = (await matrix(
        `${canIDeploy}&ignore[][pacticipant]=Auth&ignore[][version]=auth-2`,
      )) as unknown as IgnoreBody;
      expect(other.summary).toMatchObject({ deployable: false, failed: 1, ignored: 0 });
      expect(other.matrix.some((row) => 'ignored' in row)).toBe(false);
    });

    it("links each row's verification result under its pact version, where it can be read", async () => {
      const body = (await matrix(canIDeploy + ignoreAuth)) as unknown as IgnoreBody;
      for (const row of body.matrix) {
        const href = row.verificationResult!._links.self.href;
        expect(href).toMatch(
          new RegExp(
            `^${broker.url.replaceAll('.', '\\.')}/pacts/provider/${row.provider.name}/consumer/Web/pact-version/[0-9a-f]{40}/verification-results/\\d+$`,
          ),
        );
        const result = await fetch(href, { headers: { accept: 'application/hal+json' } });
        expect(result.status).toBe(200);
        expect(await result.json()).toMatchObject({
          providerName: row.provider.name,
          providerApplicationVersion: row.provider.version!.number,
          success: row.verificationResult!.success,
        });
      }
    });

    it('is what pact-broker can-i-deploy --ignore decides', async () => {
      const base = ['can-i-deploy', '--pacticipant', 'Web', '--version', 'web-1'];
      expect((await cli(...base)).status).toBe(1);
      const ignoring = await cli(...base, '--ignore', 'Auth', '--version', 'auth-1');
      expect(ignoring.status).toBe(0);
    });
  });
});
