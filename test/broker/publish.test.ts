import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { pactFile } from '../support/pacts.js';

// The official pact-broker CLI against meshpact's broker: publishing with a
// branch and tags, and reading back what it published.

describe('publishing with the pact-broker CLI', () => {
  let broker: BrokerUnderTest;
  let dir: string;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);
  const write = (name: string, pact: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(pact));
    return file;
  };

  beforeAll(async () => {
    broker = await startBrokerForTest();
    dir = mkdtempSync(join(tmpdir(), 'meshpact-publish-'));
  });
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes pact files with a branch and tags, and describes the version it made', async () => {
    const file = write(
      'web-app-auth-service.json',
      pactFile('web-app', 'auth-service', ['a login']),
    );

    const published = await cli(
      'publish',
      file,
      '--consumer-app-version',
      '1.0.0',
      '--branch',
      'main',
      '--tag',
      'main,candidate',
      '--build-url',
      'https://ci.example.com/1',
    );
    expect(published.stderr).toBe('');
    expect(published.status).toBe(0);
    expect(published.stdout).toMatch(
      /Pact successfully published for web-app version 1.0.0 and provider auth-service/,
    );

    const described = await cli(
      'describe-version',
      '--pacticipant',
      'web-app',
      '--version',
      '1.0.0',
      '--output',
      'json',
    );
    expect(described.status).toBe(0);
    const version = JSON.parse(described.stdout) as {
      number: string;
      buildUrl: string;
      _embedded: { tags: { name: string }[]; branchVersions: { name: string; latest: boolean }[] };
    };
    expect(version.number).toBe('1.0.0');
    expect(version.buildUrl).toBe('https://ci.example.com/1');
    expect(version._embedded.tags.map((t) => t.name).sort()).toEqual(['candidate', 'main']);
    expect(version._embedded.branchVersions).toEqual([
      expect.objectContaining({ name: 'main', latest: true }),
    ]);

    const pact = (await (
      await fetch(`${broker.url}/pacts/provider/auth-service/consumer/web-app/latest`)
    ).json()) as {
      interactions: { _id: string; description: string }[];
      _links: Record<string, { href: string }>;
    };
    expect(pact.interactions).toEqual([
      expect.objectContaining({
        description: 'a login',
        _id: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
      }),
    ]);
    expect(pact._links['pb:publish-verification-results']?.href).toMatch(
      /\/pacts\/provider\/auth-service\/consumer\/web-app\/pact-version\/[0-9a-f]{40}\/verification-results$/,
    );
  });

  it('republishes the same content for a version, but refuses changed content with 409', async () => {
    const same = write('same.json', pactFile('shop', 'catalog', ['an item']));
    const args = ['--consumer-app-version', '2.0.0', '--branch', 'main'];
    expect((await cli('publish', same, ...args)).status).toBe(0);
    expect((await cli('publish', same, ...args)).status).toBe(0);

    const changed = write('changed.json', pactFile('shop', 'catalog', ['an item', 'a basket']));
    const refused = await cli('publish', changed, ...args);
    expect(refused.status).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(
      /Cannot change the content of the pact for shop version 2.0.0 and provider catalog/,
    );

    const pact = (await (
      await fetch(`${broker.url}/pacts/provider/catalog/consumer/shop/version/2.0.0`)
    ).json()) as { interactions: unknown[] };
    expect(pact.interactions).toHaveLength(1);
  });

  it('keeps both files of one pair: the CLI merges them, as the broker takes one pact per provider', async () => {
    const pair = mkdtempSync(join(dir, 'pair-'));
    writeFileSync(join(pair, 'a.json'), JSON.stringify(pactFile('till', 'stock', ['one'])));
    writeFileSync(join(pair, 'b.json'), JSON.stringify(pactFile('till', 'stock', ['two'])));
    const published = await cli('publish', pair, '--consumer-app-version', '1', '--branch', 'main');
    expect(published.status).toBe(0);
    const pact = (await (
      await fetch(`${broker.url}/pacts/provider/stock/consumer/till/version/1`)
    ).json()) as { interactions: { description: string }[] };
    expect(pact.interactions.map((i) => i.description).sort()).toEqual(['one', 'two']);
  });

  it('creates and updates a pacticipant, and lists the latest pacts', async () => {
    const created = await cli(
      'create-or-update-pacticipant',
      '--name',
      'billing',
      '--main-branch',
      'trunk',
      '--display-name',
      'Billing',
    );
    expect(created.status).toBe(0);
    const updated = await cli(
      'create-or-update-pacticipant',
      '--name',
      'billing',
      '--repository-url',
      'https://git.example.com/billing',
    );
    expect(updated.status).toBe(0);
    const billing = (await (await fetch(`${broker.url}/pacticipants/billing`)).json()) as Record<
      string,
      unknown
    >;
    expect(billing).toMatchObject({
      name: 'billing',
      mainBranch: 'trunk',
      displayName: 'Billing',
      repositoryUrl: 'https://git.example.com/billing',
    });

    const latest = await cli('list-latest-pact-versions', '--output', 'json');
    expect(latest.status).toBe(0);
    expect(latest.stdout).toContain('auth-service');
  });
});
