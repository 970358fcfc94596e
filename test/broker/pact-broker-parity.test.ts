import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { getHal, pactFile, publishResult } from '../support/pacts.js';

// Answers where meshpact's broker once differed from the Pact Broker, each
// pinned down as the Pact Broker gives it, or, where meshpact differs on
// purpose (README: "Compared with the Pact Broker"), as meshpact gives it.

let broker: BrokerUnderTest;
beforeAll(async () => {
  broker = await startBrokerForTest();
});
afterAll(() => broker.close());

const send = (method: string, path: string, body?: unknown, accept = 'application/hal+json') =>
  fetch(`${broker.url}${path}`, {
    method,
    headers: { accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("meshpact's broker, where the Pact Broker is the reference", () => {
  it('answers HAL with exactly the Pact Broker content type', async () => {
    const index = await send('GET', '/');
    expect(index.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
  });

  // The Pact Broker's own 404s are HAL where its resources write them and
  // application/json where its framework does; meshpact answers HAL throughout.
  it('answers an error as HAL to a client that asks for HAL or sends no Accept, and as problem+json to one that asks for it', async () => {
    const hal = await send('GET', '/pacticipants/nobody');
    expect(hal.status).toBe(404);
    expect(hal.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
    expect(await hal.json()).toMatchObject({
      code: 'not_found',
      status: 404,
      error: 'no pacticipant named "nobody"',
    });

    const bare = await fetch(`${broker.url}/pacticipants/nobody`);
    expect(bare.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');

    const problem = await send(
      'GET',
      '/pacticipants/nobody',
      undefined,
      'application/problem+json',
    );
    expect(problem.headers.get('content-type')).toBe('application/problem+json;charset=utf-8');
    expect(await problem.json()).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('answers POST /pacticipants for a name it has with 201 and the pacticipant as stored (an insert that ignores duplicates)', async () => {
    const first = await send('POST', '/pacticipants', { name: 'Qux', displayName: 'First' });
    expect(first.status).toBe(201);
    const again = await send('POST', '/pacticipants', { name: 'Qux', displayName: 'Second' });
    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe(`${broker.url}/pacticipants/Qux`);
    expect(await again.json()).toMatchObject({ name: 'Qux', displayName: 'First' });
  });

  it('links each matrix row to a verification result that can be fetched', async () => {
    const published = await send(
      'PUT',
      '/pacts/provider/Bar/consumer/Foo/version/1.0.0',
      pactFile('Foo', 'Bar', ['an item']),
    );
    expect(published.status).toBe(201);
    const verified = await publishResult(
      `${broker.url}/pacts/provider/Bar/consumer/Foo/version/1.0.0`,
      { success: true, providerApplicationVersion: '2.0.0' },
    );
    expect(verified.status).toBe(201);
    const matrix = await getHal<{
      matrix: { verificationResult: { _links: { self: { href: string } } } }[];
    }>(broker.url, '/matrix?q[][pacticipant]=Foo&q[][version]=1.0.0&latestby=cvp&latest=true');
    const href = matrix.matrix[0]!.verificationResult._links.self.href;
    expect(href).toMatch(
      /\/pacts\/provider\/Bar\/consumer\/Foo\/pact-version\/[0-9a-f]{40}\/verification-results\/\d+$/,
    );
    const result = await fetch(href, { headers: { accept: 'application/hal+json' } });
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({
      success: true,
      providerApplicationVersion: '2.0.0',
    });
  });

  it('says why a legacy PUT of changed content is refused in `error`, as the Pact Broker pact resource does', async () => {
    const path = '/pacts/provider/Bar/consumer/Foo/version/3.0.0';
    expect((await send('PUT', path, pactFile('Foo', 'Bar', ['an item']))).status).toBe(201);
    const changed = await send('PUT', path, pactFile('Foo', 'Bar', ['an item', 'a basket']));
    expect(changed.status).toBe(409);
    const body = (await changed.json()) as { code: string; error: string };
    expect(body.code).toBe('conflict');
    expect(body.error).toMatch(/3\.0\.0/);
  });

  it.each(['__proto__', 'constructor', 'toString'])(
    'refuses a bad %s, in a query or a body, with 400 and the field in the Pact Broker map',
    async (name) => {
      const query = await send('GET', `/pacticipants?${name}=%00`);
      expect(query.status).toBe(400);
      expect(Object.keys(((await query.json()) as { errors: object }).errors)).toEqual([name]);
      const body = await fetch(`${broker.url}/pacticipants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/hal+json' },
        body: `{"name": "x", "${name}": "\\u0000"}`,
      });
      expect(body.status).toBe(400);
      expect(Object.keys(((await body.json()) as { errors: object }).errors)).toEqual([name]);
    },
  );
});
