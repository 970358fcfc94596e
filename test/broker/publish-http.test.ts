import pg from 'pg';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';

// Publishing by hand over HTTP: the legacy PUT, bad input as problem+json,
// and concurrent publications of one version.

const pact = (consumer: string, provider: string, descriptions: string[]) => ({
  consumer: { name: consumer },
  provider: { name: provider },
  interactions: descriptions.map((description) => ({
    description,
    request: { method: 'GET', path: '/' },
    response: { status: 200 },
  })),
  metadata: { pactSpecification: { version: '3.0.0' } },
});

const publishBody = (version: string, content: unknown) => ({
  pacticipantName: 'shop',
  pacticipantVersionNumber: version,
  branch: 'main',
  contracts: [
    {
      consumerName: 'shop',
      providerName: 'catalog',
      specification: 'pact',
      contentType: 'application/json',
      content: Buffer.from(JSON.stringify(content)).toString('base64'),
    },
  ],
});

describe('publishing over HTTP', () => {
  let broker: BrokerUnderTest;
  let db: pg.Pool;
  beforeAll(async () => {
    broker = await startBrokerForTest();
    db = new pg.Pool({ connectionString: broker.postgres.connectionString, max: 1 });
  });
  afterAll(async () => {
    await db.end();
    await broker.close();
  });

  const send = (method: string, path: string, body: unknown, raw = false) =>
    fetch(`${broker.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/problem+json' },
      body: raw ? (body as string) : JSON.stringify(body),
    });
  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

  it('takes a pact by the legacy PUT: 201 when new, 200 when the same again, 409 when changed', async () => {
    const path = '/pacts/provider/catalog/consumer/shop/version/legacy-1';
    const first = await send('PUT', path, pact('shop', 'catalog', ['an item']));
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      consumer: { name: 'shop' },
      _links: { 'pb:publish-verification-results': {} },
    });
    expect((await send('PUT', path, pact('shop', 'catalog', ['an item']))).status).toBe(200);
    const changed = await send('PUT', path, pact('shop', 'catalog', ['an item', 'a basket']));
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ code: 'conflict' });
    const merged = await send('PATCH', path, pact('shop', 'catalog', ['a basket']));
    expect(merged.status).toBe(200);
    expect(((await merged.json()) as { interactions: unknown[] }).interactions).toHaveLength(2);
  });

  it.each([
    [
      'malformed JSON',
      '/contracts/publish',
      '{"pacticipantName": ',
      400,
      'malformed_json',
      undefined,
    ],
    [
      'content that is not base64',
      '/contracts/publish',
      {
        ...publishBody('bad-1', {}),
        contracts: [{ ...publishBody('bad-1', {}).contracts[0], content: 'not base64!' }],
      },
      400,
      'validation_failed',
      '/contracts/0/content',
    ],
    [
      'base64 that is not a pact',
      '/contracts/publish',
      {
        ...publishBody('bad-2', {}),
        contracts: [
          {
            ...publishBody('bad-2', {}).contracts[0],
            content: Buffer.from('[1, 2]').toString('base64'),
          },
        ],
      },
      400,
      'validation_failed',
      '/contracts/0/content',
    ],
    [
      'a pact naming another consumer',
      '/contracts/publish',
      publishBody('bad-3', pact('someone-else', 'catalog', ['x'])),
      400,
      'validation_failed',
      '/contracts/0/content',
    ],
    [
      'two pacts for the same provider (the second would replace the first)',
      '/contracts/publish',
      {
        ...publishBody('dup-1', pact('shop', 'catalog', ['an item'])),
        contracts: [
          publishBody('dup-1', pact('shop', 'catalog', ['an item'])).contracts[0],
          publishBody('dup-1', pact('shop', 'catalog', ['a basket'])).contracts[0],
        ],
      },
      400,
      'validation_failed',
      '/contracts/1/providerName',
    ],
  ])(
    'answers %s with a problem and writes nothing',
    async (_case, path, body, status, code, at) => {
      const versionsBefore = await count('SELECT count(*) AS n FROM broker_versions');
      const answer = await send('POST', path, body, typeof body === 'string');
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await answer.json()) as {
        status: number;
        code: string;
        errors?: { path: string }[];
      };
      expect({ status: problem.status, code: problem.code }).toEqual({ status, code });
      if (at) expect(problem.errors?.map((e) => e.path)).toContain(at);
      expect(await count('SELECT count(*) AS n FROM broker_versions')).toBe(versionsBefore);
    },
  );

  it('serves a pact whose consumer version is not Latin-1, the header percent-encoded', async () => {
    const published = await send(
      'POST',
      '/contracts/publish',
      publishBody('版本-1', pact('shop', 'catalog', ['unicode'])),
    );
    expect(published.status).toBe(200);
    const read = await fetch(
      `${broker.url}/pacts/provider/catalog/consumer/shop/version/${encodeURIComponent('版本-1')}`,
    );
    expect(read.status).toBe(200);
    expect(read.headers.get('x-pact-consumer-version')).toBe(encodeURIComponent('版本') + '-1');
  });

  it('answers a verification result number that is not a number with a 4xx, not 500', async () => {
    const latest = (await (
      await fetch(`${broker.url}/pacts/provider/catalog/consumer/shop/latest`)
    ).json()) as {
      _links: { 'pb:publish-verification-results': { href: string } };
    };
    const results = latest._links['pb:publish-verification-results'].href;
    for (const number of ["1' OR '1'='1", '99999999999999999999', '1.5']) {
      const answer = await fetch(`${results}/${encodeURIComponent(number)}`);
      // A 4xx either way: the broker's rules refuse some (400), the lookup finds none (404).
      expect({ number, clientError: answer.status >= 400 && answer.status < 500 }).toEqual({
        number,
        clientError: true,
      });
    }
  });

  it('answers an unknown pacticipant with a 404 problem', async () => {
    const answer = await fetch(`${broker.url}/pacticipants/nobody`);
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({
      code: 'not_found',
      detail: 'no pacticipant named "nobody"',
    });
  });

  it('keeps one version and one pact when the same version is published many times at once', async () => {
    const same = publishBody('race-1', pact('shop', 'catalog', ['an item']));
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => send('POST', '/contracts/publish', same)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(await count("SELECT count(*) AS n FROM broker_versions WHERE number = 'race-1'")).toBe(
      1,
    );
    expect(
      await count(
        "SELECT count(*) AS n FROM broker_pact_publications p JOIN broker_versions v ON v.id = p.consumer_version_id WHERE v.number = 'race-1'",
      ),
    ).toBe(1);
    expect(
      await count(
        "SELECT count(*) AS n FROM broker_branch_versions bv JOIN broker_versions v ON v.id = bv.version_id WHERE v.number = 'race-1'",
      ),
    ).toBe(1);
  });

  it('lets exactly one of many different contents for one version win; the others get 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        send(
          'POST',
          '/contracts/publish',
          publishBody('race-2', pact('shop', 'catalog', [`item ${i}`])),
        ),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const stored = (await (
      await fetch(`${broker.url}/pacts/provider/catalog/consumer/shop/version/race-2`)
    ).json()) as {
      interactions: unknown[];
    };
    expect(stored.interactions).toHaveLength(1);
  });
});
