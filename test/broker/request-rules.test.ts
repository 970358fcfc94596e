import pg from 'pg';
import { createApp } from '../../src/broker/app.js';
import {
  brokerRoutes,
  seededParam,
  startBrokerForTest,
  type BrokerUnderTest,
  type SeededIds,
} from '../../src/broker/testing.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { storeFingerprint } from '../support/broker-store.js';
import { pactFile } from '../support/pacts.js';

// One set of rules for names, version numbers, branches, tags and
// environments on every route: in path parameters, bodies and query values,
// a value /contracts/publish would refuse is refused everywhere, as a 400
// validation_failed (the Pact Broker's status) naming it, with nothing
// written. Routes come from the app itself, so one added later is held to the
// same rules.

const long = 'v'.repeat(10_000);
const badNames = [long, 'two\nlines', 'nul\u0000byte', 'x'.repeat(256)];

interface Problem {
  status?: number;
  code?: string;
  errors?: { path: string; message: string }[];
}

describe('broker request rules', () => {
  let broker: BrokerUnderTest;
  let db: pg.Pool;
  const ids: SeededIds = { environment: '', webhook: '', deployed: '', sha: '' };

  const send = async (method: string, path: string, body?: unknown, raw = false) => {
    const answer = await fetch(`${broker.url}${path}`, {
      method,
      headers: {
        accept: 'application/problem+json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: raw ? (body as string) : JSON.stringify(body) } : {}),
    });
    const text = await answer.text();
    return { status: answer.status, problem: (text ? JSON.parse(text) : {}) as Problem };
  };
  const json = async <T>(method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${broker.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect(answer.status).toBeLessThan(300);
    return (await answer.json()) as T;
  };
  /** Runs each request, expecting 400 validation_failed naming `path`, and checks that nothing was written. */
  const refusedAll = async (
    cases: { method: string; path: string; body?: unknown; at: string }[],
  ) => {
    const before = await storeFingerprint(db);
    const outcomes: string[] = [];
    for (const { method, path, body, at } of cases) {
      const { status, problem } = await send(method, path, body);
      const named = problem.errors?.some((error) => error.path === at) ? at : 'another path';
      outcomes.push(`${method} ${path.slice(0, 120)} -> ${status} ${problem.code} ${named}`);
    }
    expect(outcomes).toEqual(
      cases.map(
        ({ method, path, at }) => `${method} ${path.slice(0, 120)} -> 400 validation_failed ${at}`,
      ),
    );
    expect(await storeFingerprint(db)).toBe(before);
  };

  beforeAll(async () => {
    broker = await startBrokerForTest();
    db = new pg.Pool({ connectionString: broker.postgres.connectionString, max: 1 });
    await json('POST', '/contracts/publish', {
      pacticipantName: 'web',
      pacticipantVersionNumber: '1.0.0',
      branch: 'main',
      tags: ['main'],
      contracts: [
        {
          consumerName: 'web',
          providerName: 'api',
          specification: 'pact',
          contentType: 'application/json',
          content: Buffer.from(JSON.stringify(pactFile('web', 'api', ['a']))).toString('base64'),
        },
      ],
    });
    ids.environment = (
      await json<{ uuid: string }>('POST', '/environments', {
        name: 'prod',
        production: true,
      })
    ).uuid;
    ids.deployed = (
      await json<{ uuid: string }>(
        'POST',
        `/pacticipants/web/versions/1.0.0/deployed-versions/environment/${ids.environment}`,
        {},
      )
    ).uuid;
    const hook = await json<{ _links: { self: { href: string } } }>('POST', '/webhooks', {
      enabled: false,
      request: { method: 'POST', url: 'http://127.0.0.1:1/hook' },
    });
    ids.webhook = hook._links.self.href.split('/').pop()!;
    const pact = await json<{ _links: { 'pb:publish-verification-results': { href: string } } }>(
      'GET',
      '/pacts/provider/api/consumer/web/version/1.0.0',
    );
    ids.sha = pact._links['pb:publish-verification-results'].href.split('/').at(-2)!;
  });
  afterAll(async () => {
    await db.end();
    await broker.close();
  });

  describe('in path parameters of every route', () => {
    const routes = brokerRoutes(
      createApp({ db: {} as pg.Pool, clock: systemClock, logger: silentLogger }),
    ).filter((route) => !['/healthz', '/readyz'].includes(route.path));
    const good = (path: string, name: string) => seededParam(path, name, ids);
    const withParam = (path: string, bad: string, value: string) =>
      path.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
        encodeURIComponent(name === bad ? value : good(path, name)),
      );

    it('refuses a bad name in each, before looking anything up, and writes nothing', async () => {
      const names = ['name', 'provider', 'consumer', 'version', 'tag', 'branch', 'environment'];
      const cases = routes.flatMap((route) =>
        [...route.path.matchAll(/:([A-Za-z]+)/g)]
          .map((match) => match[1]!)
          .filter((param) => names.includes(param))
          .flatMap((param) =>
            badNames.map((value) => ({
              method: route.method,
              path: withParam(route.path, param, value),
              body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
              at: param,
            })),
          ),
      );
      expect(cases.length).toBeGreaterThan(200);
      await refusedAll(cases);
    });

    it('refuses ids and numbers that cannot be one', async () => {
      const cases = routes.flatMap((route) =>
        [...route.path.matchAll(/:(uuid|sha|number|metadata)\b/g)].map((match) => ({
          method: route.method,
          path: withParam(route.path, match[1]!, match[1] === 'number' ? '1.5' : 'a b\u0000'),
          body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
          at: match[1]!,
        })),
      );
      expect(cases.length).toBeGreaterThan(15);
      await refusedAll(cases);
    });
  });

  describe('in bodies', () => {
    it('refuses a body that is not an object on every route that reads one, and writes nothing', async () => {
      const routes = brokerRoutes(
        createApp({ db: {} as pg.Pool, clock: systemClock, logger: silentLogger }),
      ).filter((route) => route.method !== 'GET' && route.method !== 'DELETE');
      const before = await storeFingerprint(db);
      const accepted: string[] = [];
      for (const route of routes)
        for (const body of ['[{"name":"main"}]', '"main"', '42', 'null']) {
          const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
            name === 'uuid'
              ? ids.webhook
              : name === 'sha'
                ? ids.sha
                : name === 'number'
                  ? '1'
                  : 'web',
          );
          const { status } = await send(route.method, path, body, true);
          if (status < 400 || status >= 500)
            accepted.push(`${route.method} ${path} ${body} -> ${status}`);
        }
      expect(accepted).toEqual([]);
      expect(await storeFingerprint(db)).toBe(before);
    });

    it('holds a version written by PUT or PATCH to the rules publishing holds it to', async () => {
      const version = '/pacticipants/web/versions/2.0.0';
      await refusedAll([
        { method: 'PUT', path: version, body: [{ name: 'main' }], at: '/' },
        { method: 'PUT', path: version, body: 'main', at: '/' },
        {
          method: 'PUT',
          path: version,
          body: { tags: [{ name: 't'.repeat(10_240) }] },
          at: '/tags/0/name',
        },
        {
          method: 'PUT',
          path: version,
          body: { tags: [{ name: 'main\nprod' }] },
          at: '/tags/0/name',
        },
        { method: 'PATCH', path: version, body: { tags: 'main' }, at: '/tags' },
        {
          method: 'PATCH',
          path: version,
          body: { buildUrl: 'https://ci/1\nX: y' },
          at: '/buildUrl',
        },
        { method: 'PUT', path: `/pacticipants/web/versions/${long}`, body: {}, at: 'version' },
        {
          method: 'PUT',
          path: `/pacts/provider/api/consumer/web/version/${long}`,
          body: pactFile('web', 'api', ['a']),
          at: 'version',
        },
      ]);
    });

    it('holds every other body to the same name rules', async () => {
      const deployment = `/pacticipants/web/versions/1.0.0/deployed-versions/environment/${ids.environment}`;
      const hook = (side: object) => ({
        ...side,
        request: { method: 'POST', url: 'http://127.0.0.1:1/' },
      });
      await refusedAll([
        { method: 'POST', path: '/pacticipants', body: { name: 'web\napp' }, at: '/name' },
        {
          method: 'PATCH',
          path: '/pacticipants/web',
          body: { mainBranch: 'ma\u0000in' },
          at: '/mainBranch',
        },
        {
          method: 'POST',
          path: '/environments',
          body: { name: long, production: false },
          at: '/name',
        },
        {
          method: 'PUT',
          path: `/environments/${ids.environment}`,
          body: { name: 'a\u0000b', production: true },
          at: '/name',
        },
        {
          method: 'POST',
          path: deployment,
          body: { applicationInstance: 'a\nb' },
          at: '/applicationInstance',
        },
        {
          method: 'POST',
          path: deployment,
          body: { applicationInstance: long },
          at: '/applicationInstance',
        },
        {
          method: 'POST',
          path: '/webhooks',
          body: hook({ consumer: { name: 'a\u0000b' } }),
          at: '/consumer/name',
        },
        {
          method: 'PUT',
          path: `/webhooks/${ids.webhook}`,
          body: hook({ provider: { name: long } }),
          at: '/provider/name',
        },
        {
          method: 'POST',
          path: `/pacts/provider/api/consumer/web/pact-version/${ids.sha}/verification-results`,
          body: { success: true, providerApplicationVersion: long },
          at: '/providerApplicationVersion',
        },
        {
          method: 'POST',
          path: '/pacts/provider/api/for-verification',
          body: { providerVersionBranch: 'feat\nx' },
          at: '/providerVersionBranch',
        },
      ]);
    });
  });

  describe('in query values', () => {
    it.each(['1.5', '1e30', 'Infinity', '9'.repeat(20), '-1', '', '0', '10001'])(
      'refuses /matrix?limit=%s naming limit',
      async (limit) => {
        const { status, problem } = await send(
          'GET',
          `/matrix?q[][pacticipant]=web&limit=${encodeURIComponent(limit)}`,
        );
        expect(status).toBe(400);
        expect(problem).toMatchObject({
          status: 400,
          code: 'validation_failed',
          errors: [{ path: 'limit', message: 'must be a whole number from 1 to 10000' }],
        });
      },
    );

    it('takes a limit that is a whole number in bounds', async () => {
      expect((await send('GET', '/matrix?q[][pacticipant]=web&limit=1')).status).toBe(200);
      expect((await send('GET', '/matrix?q[][pacticipant]=web&limit=10000')).status).toBe(200);
    });

    it('refuses every other bad query value of the broker, naming it', async () => {
      const q = (value: string) => encodeURIComponent(value);
      const currently = `/environments/${ids.environment}/deployed-versions/currently-deployed`;
      await refusedAll([
        { method: 'GET', path: '/pacticipants?page=1.5', at: 'page' },
        { method: 'GET', path: '/pacticipants?size=1e3', at: 'size' },
        { method: 'GET', path: '/pacticipants?pageSize=0', at: 'size' },
        { method: 'GET', path: '/pacticipants/web/versions?pageNumber=-2', at: 'page' },
        {
          method: 'GET',
          path: '/pacticipants/web/branches/main/versions?size=Infinity',
          at: 'size',
        },
        { method: 'GET', path: '/pacticipants?page=1&page=2', at: 'page' },
        { method: 'GET', path: '/matrix?q[][pacticipant]=web&latestby=everything', at: 'latestby' },
        { method: 'GET', path: `/matrix?q[][pacticipant]=${q(long)}`, at: 'q[][pacticipant]' },
        {
          method: 'GET',
          path: `/matrix?q[][pacticipant]=web&q[][version]=${q('a\nb')}`,
          at: 'q[][version]',
        },
        {
          method: 'GET',
          path: `/matrix?q[][pacticipant]=web&environment=${q('a\u0000')}`,
          at: 'environment',
        },
        { method: 'GET', path: `/can-i-deploy?pacticipant=web&version=${q(long)}`, at: 'version' },
        { method: 'GET', path: `/pacticipants?q=${q('a\u0000')}`, at: 'q' },
        { method: 'GET', path: `/environments?name=${q('a\nb')}`, at: 'name' },
        {
          method: 'GET',
          path: `${currently}?applicationInstance=${q('a\nb')}`,
          at: 'applicationInstance',
        },
        { method: 'GET', path: `${currently}?pacticipant=${q(long)}`, at: 'pacticipant' },
      ]);
    });
  });
});
