import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { publishResult } from '../support/pacts.js';

// can-i-deploy with the official pact-broker CLI, both ways: a consumer
// version may go when its providers verified its pact, a provider version
// when it verified what its consumers need.

const fixture = join(import.meta.dirname, '../../src/verify/__fixtures__/shop-catalog.json');

describe('can-i-deploy against the broker', () => {
  let broker: BrokerUnderTest;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);
  const canIDeploy = (...args: string[]) => cli('can-i-deploy', ...args);

  const verify = async (providerVersion: string, success: boolean) => {
    const answer = await publishResult(
      `${broker.url}/pacts/provider/catalog/consumer/shop/latest`,
      {
        success,
        providerApplicationVersion: providerVersion,
      },
    );
    expect(answer.status).toBe(201);
  };

  beforeAll(async () => {
    broker = await startBrokerForTest();
    const published = await cli(
      'publish',
      fixture,
      '--consumer-app-version',
      'shop-1',
      '--branch',
      'main',
    );
    expect(published.status).toBe(0);
  });
  afterAll(() => broker.close());

  it('says no to a consumer whose pact nobody verified, saying why', async () => {
    const answer = await canIDeploy('--pacticipant', 'shop', '--version', 'shop-1');
    expect(answer.status).toBe(1);
    expect(answer.stdout).toMatch(
      /There is no verified pact between shop \(shop-1\) and a version of catalog/,
    );
  });

  it('says no while the latest provider failed the pact, and yes once it passes', async () => {
    await verify('catalog-1', false);
    const failed = await canIDeploy('--pacticipant', 'shop', '--version', 'shop-1');
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(
      /The verification for the pact between shop \(shop-1\) and catalog \(catalog-1\) failed/,
    );

    await verify('catalog-2', true);
    const passed = await canIDeploy('--pacticipant', 'shop', '--version', 'shop-1');
    expect(passed.stdout).toMatch(/All required verification results are published and successful/);
    expect(passed.status).toBe(0);
  });

  it('answers for a provider version from what its consumers need', async () => {
    const good = await canIDeploy('--pacticipant', 'catalog', '--version', 'catalog-2');
    expect(good.status).toBe(0);
    const bad = await canIDeploy('--pacticipant', 'catalog', '--version', 'catalog-1');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/failed/);

    const ignoring = await canIDeploy(
      '--pacticipant',
      'catalog',
      '--version',
      'catalog-1',
      '--ignore',
      'shop',
    );
    expect(ignoring.status).toBe(0);
  });

  it('answers for deploying alongside the versions with a tag', async () => {
    expect(
      (
        await cli(
          'create-version-tag',
          '--pacticipant',
          'shop',
          '--version',
          'shop-1',
          '--tag',
          'prod',
        )
      ).status,
    ).toBe(0);
    expect(
      (await canIDeploy('--pacticipant', 'catalog', '--version', 'catalog-2', '--to', 'prod'))
        .status,
    ).toBe(0);
    expect(
      (await canIDeploy('--pacticipant', 'catalog', '--version', 'catalog-1', '--to', 'prod'))
        .status,
    ).toBe(1);
  });

  it('answers for deploying to an environment from what is deployed there', async () => {
    expect((await cli('create-environment', '--name', 'production', '--production')).status).toBe(
      0,
    );
    const alone = await canIDeploy(
      '--pacticipant',
      'shop',
      '--version',
      'shop-1',
      '--to-environment',
      'production',
    );
    expect(alone.status).toBe(1);
    expect(alone.stdout).toMatch(
      /There is no verified pact between shop \(shop-1\) and a version of catalog in production/,
    );

    const deploy = (pacticipant: string, version: string) =>
      cli(
        'record-deployment',
        '--pacticipant',
        pacticipant,
        '--version',
        version,
        '--environment',
        'production',
      );
    expect((await deploy('catalog', 'catalog-1')).status).toBe(0);
    expect(
      (
        await canIDeploy(
          '--pacticipant',
          'shop',
          '--version',
          'shop-1',
          '--to-environment',
          'production',
        )
      ).status,
    ).toBe(1);
    expect((await deploy('catalog', 'catalog-2')).status).toBe(0);
    expect(
      (
        await canIDeploy(
          '--pacticipant',
          'shop',
          '--version',
          'shop-1',
          '--to-environment',
          'production',
        )
      ).status,
    ).toBe(0);

    expect((await deploy('shop', 'shop-1')).status).toBe(0);
    expect(
      (
        await canIDeploy(
          '--pacticipant',
          'catalog',
          '--version',
          'catalog-2',
          '--to-environment',
          'production',
        )
      ).status,
    ).toBe(0);
    expect(
      (
        await canIDeploy(
          '--pacticipant',
          'catalog',
          '--version',
          'catalog-1',
          '--to-environment',
          'production',
        )
      ).status,
    ).toBe(1);
  });

  it('says no for a version the broker does not know', async () => {
    const answer = await canIDeploy('--pacticipant', 'shop', '--version', 'shop-404');
    expect(answer.status).toBe(1);
    expect(answer.stdout).toMatch(/No version with number shop-404 exists for shop/);
  });

  it('answers the matrix as JSON with the rows it decided on', async () => {
    const answer = await fetch(
      `${broker.url}/matrix?q[][pacticipant]=shop&q[][version]=shop-1&q[][pacticipant]=catalog&q[][version]=catalog-2&latestby=cvpv`,
    );
    const body = (await answer.json()) as {
      summary: { deployable: boolean; success: number };
      matrix: {
        consumer: { version: { number: string } };
        provider: { version: { number: string } };
        verificationResult: { success: boolean };
      }[];
    };
    expect(body.summary).toMatchObject({ deployable: true, success: 1 });
    expect(
      body.matrix.map((row) => [
        row.consumer.version.number,
        row.provider.version.number,
        row.verificationResult.success,
      ]),
    ).toEqual([['shop-1', 'catalog-2', true]]);

    const unknownPath = `${broker.url}/matrix?q[][pacticipant]=nobody&q[][version]=1`;
    const unknown = await fetch(unknownPath, { headers: { accept: 'application/problem+json' } });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json;charset=utf-8');
    expect(await unknown.json()).toMatchObject({
      status: 400,
      code: 'validation_failed',
      detail: 'Pacticipant nobody not found',
      errors: ['Pacticipant nobody not found'],
    });
    // As the Pact clients read it: HAL, the errors still a list of messages.
    const asHal = await fetch(unknownPath, { headers: { accept: 'application/hal+json' } });
    expect(asHal.status).toBe(400);
    expect(asHal.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
    expect(await asHal.json()).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: ['Pacticipant nobody not found'],
    });
  });
  it('filters the matrix to the rows with the verification outcome asked for by success[]', async () => {
    const rows = async (filter: string) => {
      const answer = await fetch(
        `${broker.url}/matrix?q[][pacticipant]=shop&q[][pacticipant]=catalog&latestby=cvpv${filter}`,
      );
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as {
        summary: { success: number; failed: number };
        matrix: {
          provider: { version: { number: string } };
          verificationResult: { success: boolean } | null;
        }[];
      };
      return {
        summary: body.summary,
        rows: body.matrix.map((row) => [
          row.provider.version.number,
          row.verificationResult?.success ?? null,
        ]),
      };
    };
    const passed = await rows('&success[]=true');
    expect(passed.rows).toEqual([['catalog-2', true]]);
    expect(passed.summary).toMatchObject({ success: 1, failed: 0 });
    expect((await rows('&success[]=false')).rows).toEqual([['catalog-1', false]]);
    expect((await rows('&success[]=true&success[]=false')).rows).toHaveLength(2);
  });
});
