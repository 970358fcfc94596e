import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { pactFile } from '../support/pacts.js';

// The pacts of one consumer branch with a provider (the index's
// pb:branch-pact-versions and friends), and a provider's states, as the Pact
// Broker serves them and the Rust CLI's `get-pacts` and `provider-states list`
// read them.

/** What express writes for sendHal's `application/hal+json;charset=utf-8`. */
const HAL = 'application/hal+json;charset=utf-8';

/** A V4 pact whose interactions set up these provider states. */
const pactWithStates = (consumer: string, states: { name: string; params?: object }[][]) => ({
  ...pactFile(consumer, 'api', []),
  interactions: states.map((providerStates, index) => ({
    type: 'Synchronous/HTTP',
    description: `request ${index}`,
    providerStates,
    request: { method: 'GET', path: `/${index}` },
    response: { status: 200 },
  })),
});

/** A V2 pact, whose interactions name one state each as `providerState`. */
const v2Pact = (consumer: string, states: string[]) => ({
  consumer: { name: consumer },
  provider: { name: 'api' },
  interactions: states.map((providerState, index) => ({
    description: `request ${index}`,
    providerState,
    request: { method: 'GET', path: `/${index}` },
    response: { status: 200 },
  })),
  metadata: { pactSpecification: { version: '2.0.0' } },
});

interface PactVersions {
  _embedded: { pacts: { _embedded: { consumerVersion: { number: string } } }[] };
  _links: { 'pact-versions': { href: string; title: string; name: string }[] };
}

interface Problem {
  code?: string;
  errors?: { path: string }[];
}

describe('pact versions of a consumer branch, and provider states', () => {
  let broker: BrokerUnderTest;
  let dir: string;
  let environmentUuid: string;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);
  const call = async (method: string, path: string) => {
    const answer = await fetch(`${broker.url}${path}`, {
      method,
      headers: { accept: 'application/hal+json' },
    });
    const text = await answer.text();
    return {
      status: answer.status,
      type: answer.headers.get('content-type'),
      body: (text ? JSON.parse(text) : {}) as unknown,
    };
  };
  const numbersAt = async (path: string) => {
    const { status, body } = await call('GET', path);
    expect(status).toBe(200);
    return (body as PactVersions)._embedded.pacts.map(
      (pact) => pact._embedded.consumerVersion.number,
    );
  };
  const publish = async (pact: object, version: string, branch: string) => {
    const file = join(dir, `${version}-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(pact));
    const published = await cli(
      'publish',
      file,
      '--consumer-app-version',
      version,
      '--branch',
      branch,
    );
    expect(published.stdout + published.stderr).not.toMatch(/error/i);
    expect(published.status).toBe(0);
  };
  const cliOk = async (...args: string[]) => {
    const result = await cli(...args);
    expect(result.status).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    broker = await startBrokerForTest();
    dir = await mkdtemp(join(tmpdir(), 'meshpact-branch-pacts-'));
    // web: main 1.0.0 (V2) and 2.0.0, feat f1 and f2. app: main 1.0.0.
    // ios: main 1.0.0 with a pact, then 2.0.0 on main without one (so the head has none).
    await publish(v2Pact('web', ['a user exists']), '1.0.0', 'main');
    await publish(
      pactWithStates('web', [
        [{ name: 'a user exists', params: { id: 1 } }],
        [{ name: 'no users' }],
      ]),
      '2.0.0',
      'main',
    );
    await publish(pactWithStates('web', [[{ name: 'flag on' }]]), 'f1', 'feat');
    await publish(pactWithStates('web', [[{ name: 'flag off' }]]), 'f2', 'feat');
    await publish(
      pactWithStates('app', [
        [{ name: 'a user exists', params: { id: 1 } }],
        [{ name: 'a user exists', params: { id: 2 } }],
      ]),
      '1.0.0',
      'main',
    );
    await publish(pactWithStates('ios', [[{ name: 'ios only' }]]), '1.0.0', 'main');
    await cliOk(
      'create-or-update-version',
      '--pacticipant',
      'ios',
      '--version',
      '2.0.0',
      '--branch',
      'main',
    );

    environmentUuid = (
      await cliOk('create-environment', '--name', 'prod', '--output', 'id')
    ).trim();
    const at = ['--version', '1.0.0', '--environment', 'prod'];
    await cliOk('record-deployment', '--pacticipant', 'web', ...at);
    await cliOk('record-release', '--pacticipant', 'app', ...at);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await broker.close();
  });

  describe('GET /pacts/provider/{p}/consumer/{c}/branch/...', () => {
    const base = '/pacts/provider/api/consumer';

    it('lists every pact of the main branch or of a named one, oldest first, or only the head’s', async () => {
      expect(await numbersAt(`${base}/web/branch/versions`)).toEqual(['1.0.0', '2.0.0']);
      expect(await numbersAt(`${base}/web/branch/latest/versions`)).toEqual(['2.0.0']);
      expect(await numbersAt(`${base}/web/branch/feat`)).toEqual(['f1', 'f2']);
      expect(await numbersAt(`${base}/web/branch/feat/latest/versions`)).toEqual(['f2']);
      expect(await numbersAt(`${base}/web/branch/no-such-branch`)).toEqual([]);
    });

    it('takes the latest as the branch head’s pact, none when the head has none', async () => {
      expect(await numbersAt(`${base}/ios/branch/versions`)).toEqual(['1.0.0']);
      expect(await numbersAt(`${base}/ios/branch/latest/versions`)).toEqual([]);
    });

    it('writes the Pact Broker’s PactVersionsDecorator document as HAL', async () => {
      const { status, type, body } = await call('GET', `${base}/web/branch/feat/latest/versions`);
      expect(status).toBe(200);
      expect(type).toBe(HAL);
      const pactHref = `${broker.url}${base}/web/version/f2`;
      const { createdAt } = (body as { _embedded: { pacts: { createdAt: string }[] } })._embedded
        .pacts[0]!;
      expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      const [year, month, day] = createdAt.slice(0, 10).split('-');
      expect(body).toEqual({
        _embedded: {
          pacts: [
            {
              createdAt,
              _embedded: {
                consumerVersion: {
                  number: 'f2',
                  _links: {
                    self: {
                      title: 'Version',
                      name: 'f2',
                      href: `${broker.url}/pacticipants/web/versions/f2`,
                    },
                  },
                },
              },
              _links: { self: { href: pactHref, title: 'Pact between web (f2) and api' } },
            },
          ],
        },
        _links: {
          self: {
            href: `${broker.url}${base}/web/branch/feat/latest/versions`,
            title: 'All versions of the pact between web and api',
          },
          consumer: { href: `${broker.url}/pacticipants/web`, title: 'Consumer', name: 'web' },
          provider: { href: `${broker.url}/pacticipants/api`, title: 'Provider', name: 'api' },
          'pact-versions': [
            {
              href: pactHref,
              title: 'Pact',
              name: `Version f2 - ${day}/${month}/${year}`,
            },
          ],
        },
      });
    });

    it('keeps branch/{branch}/latest the single latest pact of the branch', async () => {
      const { status, body } = await call('GET', `${base}/web/branch/feat/latest`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        interactions: [{ providerStates: [{ name: 'flag off' }] }],
        _links: { 'pb:consumer-version': { name: 'f2' } },
      });
    });

    it('is linked from the index, templated, as the Pact Broker links it', async () => {
      const { body } = await call('GET', '/');
      const links = (body as { _links: Record<string, { href: string; templated?: boolean }> })
        ._links;
      const href = `${broker.url}/pacts/provider/{provider}/consumer/{consumer}/branch`;
      expect(links).toMatchObject({
        'pb:branch-pact-versions': { href: `${href}/{branch}`, templated: true },
        'pb:latest-branch-pact-versions': {
          href: `${href}/{branch}/latest/versions`,
          templated: true,
        },
        'pb:main-branch-pact-versions': { href: `${href}/versions`, templated: true },
        'pb:latest-main-branch-pact-versions': {
          href: `${href}/latest/versions`,
          templated: true,
        },
      });
      const expanded = links['pb:latest-branch-pact-versions']!.href.replace('{provider}', 'api')
        .replace('{consumer}', 'web')
        .replace('{branch}', 'feat');
      expect(await numbersAt(expanded.slice(broker.url.length))).toEqual(['f2']);
    });

    it.each([
      ['an unknown consumer', '/pacts/provider/api/consumer/nobody/branch'],
      ['an unknown provider', '/pacts/provider/nobody/consumer/web/branch'],
    ])('answers 404 for %s on every path', async (_case, prefix) => {
      for (const path of ['/versions', '/latest/versions', '/feat', '/feat/latest/versions']) {
        const { status, body } = await call('GET', `${prefix}${path}`);
        expect([path, status, (body as Problem).code]).toEqual([path, 404, 'not_found']);
      }
    });

    it.each([
      ['a NUL in the branch', `${base}/web/branch/fe%00at`, 'branch'],
      ['an over-long consumer', `${base}/${'c'.repeat(256)}/branch/versions`, 'consumer'],
      [
        'a NUL in the provider',
        '/pacts/provider/a%00pi/consumer/web/branch/latest/versions',
        'provider',
      ],
    ])('refuses %s as validation_failed naming it', async (_case, path, param) => {
      const { status, body } = await call('GET', path);
      expect(status).toBe(400);
      expect(body).toMatchObject({
        code: 'validation_failed',
        errors: { [param]: [expect.any(String)] },
      });
    });

    it('prints a named branch’s pacts with `get-pacts --consumer --branch`', async () => {
      const printed = JSON.parse(
        await cliOk(
          'get-pacts',
          '--provider',
          'api',
          '--consumer',
          'web',
          '--branch',
          'feat',
          '--output',
          'json',
        ),
      ) as PactVersions;
      expect(printed._links['pact-versions'].map((link) => link.href.split('/').at(-1))).toEqual([
        'f1',
        'f2',
      ]);
    });
  });

  describe('DELETE /pacts/provider/{p}/consumer/{c}/branch/...', () => {
    const base = '/pacts/provider/api/consumer/admin/branch';

    beforeAll(async () => {
      for (const [version, branch] of [
        ['1', 'main'],
        ['2', 'main'],
        ['f1', 'feat'],
      ] as const)
        await publish(pactFile('admin', 'api', ['a request']), version, branch);
    });

    it('deletes exactly the pacts its GET lists, and links the latest pact left', async () => {
      const deleted = await call('DELETE', `${base}/feat`);
      expect(deleted).toEqual({
        status: 200,
        type: HAL,
        body: {
          _links: {
            index: { href: broker.url },
            'pb:latest-pact-version': {
              href: `${broker.url}/pacts/provider/api/consumer/admin/latest`,
              title: 'Latest pact',
            },
          },
        },
      });
      expect(await numbersAt(`${base}/feat`)).toEqual([]);
      expect(await numbersAt(`${base}/versions`)).toEqual(['1', '2']);

      expect((await call('DELETE', `${base}/latest/versions`)).status).toBe(200);
      expect(await numbersAt(`${base}/versions`)).toEqual(['1']);

      const last = await call('DELETE', `${base}/versions`);
      expect(last.body).toEqual({ _links: { index: { href: broker.url } } });
      expect(await numbersAt(`${base}/versions`)).toEqual([]);
      expect(await numbersAt('/pacts/provider/api/consumer/web/branch/versions')).toEqual([
        '1.0.0',
        '2.0.0',
      ]);
    });

    it('answers 404 for an unknown consumer and 405 for other methods', async () => {
      const unknown = await call('DELETE', '/pacts/provider/api/consumer/nobody/branch/versions');
      expect([unknown.status, (unknown.body as Problem).code]).toEqual([404, 'not_found']);
      const posted = await call('POST', `${base}/versions`);
      expect([posted.status, (posted.body as Problem).code]).toEqual([405, 'method_not_allowed']);
    });
  });
  describe('GET /pacts/provider/{p}/provider-states', () => {
    const states = async (path: string) => {
      const { status, type, body } = await call(
        'GET',
        `/pacts/provider/api/provider-states${path}`,
      );
      expect([status, type]).toEqual([200, HAL]);
      return body;
    };
    const inProd = {
      providerStates: [
        { name: 'a user exists', consumers: ['web'] },
        { name: 'a user exists', params: { id: 1 }, consumers: ['app'] },
        { name: 'a user exists', params: { id: 2 }, consumers: ['app'] },
      ],
    };

    it("lists the states of each consumer's main branch head, once per name and params", async () => {
      // ios's head (2.0.0) has no pact, so its 1.0.0 states are not listed.
      expect(await states('')).toEqual({
        providerStates: [
          { name: 'a user exists', params: { id: 1 }, consumers: ['app', 'web'] },
          { name: 'a user exists', params: { id: 2 }, consumers: ['app'] },
          { name: 'no users', consumers: ['web'] },
        ],
      });
    });

    it('lists those of the head of a named branch', async () => {
      expect(await states('/branch/feat')).toEqual({
        providerStates: [{ name: 'flag off', consumers: ['web'] }],
      });
      expect(await states('/branch/no-such-branch')).toEqual({ providerStates: [] });
    });

    it('lists those of the versions deployed or released in an environment, by uuid or name', async () => {
      expect(await states(`/environment/${environmentUuid}`)).toEqual(inProd);
      expect(await states('/environment/prod')).toEqual(inProd);
    });

    it('is what `pact-broker provider-states list` prints, for the main branch, a branch and an environment', async () => {
      const listed = async (...args: string[]) =>
        JSON.parse(
          await cliOk('provider-states', 'list', '--provider', 'api', '--json', ...args),
        ) as unknown;
      expect(await listed()).toEqual(await states(''));
      expect(await listed('--branch', 'feat')).toEqual(await states('/branch/feat'));
      expect(await listed('--environment', 'prod')).toEqual(inProd);
      expect(await cliOk('provider-states', 'list', '--provider', 'api')).toMatch(
        /no users +┆ web/,
      );
    });

    it.each([
      ['an unknown provider', '/pacts/provider/nobody/provider-states'],
      ['an unknown provider on a branch', '/pacts/provider/nobody/provider-states/branch/main'],
      [
        'an unknown provider in an environment',
        '/pacts/provider/nobody/provider-states/environment/prod',
      ],
      ['an unknown environment', '/pacts/provider/api/provider-states/environment/staging'],
    ])('answers 404 for %s', async (_case, path) => {
      const { status, body } = await call('GET', path);
      expect([status, (body as Problem).code]).toEqual([404, 'not_found']);
    });

    it.each([
      ['a NUL in the provider', '/pacts/provider/a%00pi/provider-states', 'provider'],
      [
        'an over-long branch',
        `/pacts/provider/api/provider-states/branch/${'b'.repeat(256)}`,
        'branch',
      ],
      [
        'a NUL in the environment',
        '/pacts/provider/api/provider-states/environment/pr%00od',
        'environment',
      ],
    ])('refuses %s as validation_failed naming it', async (_case, path, param) => {
      const { status, body } = await call('GET', path);
      expect(status).toBe(400);
      expect(body).toMatchObject({
        code: 'validation_failed',
        errors: { [param]: [expect.any(String)] },
      });
    });
  });
});
