import { randomUUID } from 'node:crypto';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactFile } from '../support/pacts.js';

// Text Postgres cannot keep as sent (NUL, lone surrogates), documents nested
// past 256 levels, and URLs that are not percent-encoded UTF-8 are refused
// before anything is written, as problem+json with the broker's validation
// code (400, as the Pact Broker answers), never a 500.

const NUL = 'contains NUL (U+0000), which cannot be stored';
const SURROGATE = 'is not well-formed Unicode (it has a lone surrogate, e.g. \\ud800)';
const TOO_DEEP = 'nests deeper than 256 levels of arrays and objects';
/** JSON text of an object nested `depth` levels, e.g. `{"a":{"a":1}}` for 2. */
const deepText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** Where deepText(10_000) breaks the bound, below `at`. */
const tooDeepAt = (at: string, levelsAbove: number) =>
  `${at}${'/a'.repeat(256 - levelsAbove)} ${TOO_DEEP}`;

interface Answer {
  status: number;
  type: string;
  body: Record<string, unknown>;
}

describe('the broker, given text it cannot store', () => {
  let broker: BrokerUnderTest;
  beforeAll(async () => {
    broker = await startBrokerForTest();
  });
  afterAll(() => broker.close());

  /** A request that never throws on status; `raw` sends JSON text as it is. */
  const send = async (
    method: string,
    path: string,
    body?: { json?: unknown; raw?: string },
  ): Promise<Answer> => {
    const response = await fetch(`${broker.url}${path}`, {
      method,
      headers: {
        accept: 'application/hal+json, application/problem+json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: body.raw ?? JSON.stringify(body.json) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    };
  };
  const issues = (answer: Answer) =>
    (answer.body.errors as { path: string; message: string }[]).map(
      (e) => `${e.path} ${e.message}`,
    );
  const expectRefused = (answer: Answer, status: number, code: string) => {
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
    expect(answer.body.status).toBe(status);
    expect(answer.type).toMatch(/^application\/problem\+json/);
  };
  const expectMissing = async (path: string) => expect((await send('GET', path)).status).toBe(404);

  const unique = () => `p-${randomUUID().slice(0, 8)}`;
  /** A pact of `consumer` with its `-provider`, one interaction described as given. */
  const describedPact = (consumer: string, description: string) => {
    const pact = pactFile(consumer, `${consumer}-provider`, ['a request']);
    pact.interactions[0]!.description = description;
    return pact;
  };
  const publishBody = (consumer: string, fields: Record<string, unknown>, pact?: unknown) => ({
    pacticipantName: consumer,
    pacticipantVersionNumber: '1.0.0',
    branch: 'main',
    tags: ['dev'],
    contracts: [
      {
        consumerName: consumer,
        providerName: `${consumer}-provider`,
        specification: 'pact',
        contentType: 'application/json',
        content: Buffer.from(
          typeof pact === 'string'
            ? pact
            : JSON.stringify(pact ?? pactFile(consumer, `${consumer}-provider`, ['a request'])),
        ).toString('base64'),
      },
    ],
    ...fields,
  });

  describe('in names', () => {
    it('refuses NUL in a pacticipant name in a body', async () => {
      const name = unique();
      const answer = await send('POST', '/pacticipants', { json: { name: `${name}\u0000` } });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([`/name ${NUL}`]);
      await expectMissing(`/pacticipants/${name}`);
    });

    it.each([
      ['a pacticipant', (p: string) => `/pacticipants/${p}%00/versions/1`, 'name'],
      ['a version', (p: string) => `/pacticipants/${p}/versions/1%00`, 'version'],
      ['a tag', (p: string) => `/pacticipants/${p}/versions/1/tags/dev%00`, 'tag'],
      ['a branch', (p: string) => `/pacticipants/${p}/branches/main%00/versions/1`, 'branch'],
    ])('refuses NUL in %s name in the path, naming the parameter', async (_what, path, param) => {
      const name = unique();
      const answer = await send('PUT', path(name), { json: {} });
      expectRefused(answer, 400, 'validation_failed');
      // NUL is a control character, which the broker's one name rule refuses.
      expect(issues(answer)).toEqual([
        `${param} must be 1 to 255 characters on one line, not blank, without control characters`,
      ]);
      await expectMissing(`/pacticipants/${name}`);
    });

    it.each([
      ['the pacticipant', { pacticipantName: 'shop\u0000' }, '/pacticipantName'],
      ['the version', { pacticipantVersionNumber: '1\u0000' }, '/pacticipantVersionNumber'],
      ['the branch', { branch: 'main\u0000' }, '/branch'],
      ['a tag', { tags: ['ok', 'dev\u0000'] }, '/tags/1'],
    ])('refuses a publication with NUL in %s, and publishes nothing', async (_what, fields, at) => {
      const consumer = unique();
      const answer = await send('POST', '/contracts/publish', {
        json: publishBody(consumer, fields),
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([`${at} ${NUL}`]);
      await expectMissing(`/pacticipants/${consumer}`);
    });
  });

  describe('in pact content', () => {
    it.each([
      ['NUL', 'a\u0000request', NUL],
      ['a lone surrogate', 'a \ud800 request', SURROGATE],
    ])('refuses a published pact whose description has %s', async (_what, description, issue) => {
      const consumer = unique();
      const pact = describedPact(consumer, description);
      const answer = await send('POST', '/contracts/publish', {
        json: publishBody(consumer, {}, pact),
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([`/contracts/0/content/interactions/0/description ${issue}`]);
      await expectMissing(`/pacticipants/${consumer}`);
    });

    it('refuses a PUT pact whose description has a lone surrogate', async () => {
      const consumer = unique();
      const path = `/pacts/provider/${consumer}-provider/consumer/${consumer}/version/1`;
      const answer = await send('PUT', path, {
        json: describedPact(consumer, 'a \udc00 request'),
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([`/interactions/0/description ${SURROGATE}`]);
      await expectMissing(path);
    });

    it('refuses published content nested 10,000 deep', async () => {
      const consumer = unique();
      const pact = JSON.stringify(
        pactFile(consumer, `${consumer}-provider`, ['a request']),
      ).replace(
        '"response":{"status":200}',
        `"response":{"status":200,"body":${deepText(10_000)}}`,
      );
      const answer = await send('POST', '/contracts/publish', {
        json: publishBody(consumer, {}, pact),
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([
        tooDeepAt('/contracts/0/content/interactions/0/response/body', 4),
      ]);
      await expectMissing(`/pacticipants/${consumer}`);
    });

    it('refuses a PUT pact nested 10,000 deep', async () => {
      const consumer = unique();
      const path = `/pacts/provider/${consumer}-provider/consumer/${consumer}/version/1`;
      const pact = JSON.stringify(
        pactFile(consumer, `${consumer}-provider`, ['a request']),
      ).replace(
        '"response":{"status":200}',
        `"response":{"status":200,"body":${deepText(10_000)}}`,
      );
      const answer = await send('PUT', path, { raw: pact });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([tooDeepAt('/interactions/0/response/body', 4)]);
      await expectMissing(path);
    });
  });

  describe('in other documents', () => {
    const environments = async () =>
      (
        (await send('GET', '/environments')).body._embedded as {
          environments: { name: string }[];
        }
      ).environments.map((e) => e.name);

    it.each([
      [
        'a lone surrogate in a contact name',
        { contacts: [{ name: 'team \ud800' }] },
        `/contacts/0/name ${SURROGATE}`,
      ],
      [
        'a lone surrogate in contact details',
        { contacts: [{ name: 'team', details: { slack: '#\udfff' } }] },
        `/contacts/0/details/slack ${SURROGATE}`,
      ],
      ['NUL in the display name', { displayName: 'Test\u0000' }, `/displayName ${NUL}`],
    ])('refuses an environment with %s, and creates none', async (_what, fields, issue) => {
      const name = unique();
      const answer = await send('POST', '/environments', {
        json: { name, production: false, ...fields },
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([issue]);
      expect(await environments()).not.toContain(name);
    });

    it('refuses environment contacts nested 10,000 deep', async () => {
      const name = unique();
      const answer = await send('POST', '/environments', {
        raw: `{"name": "${name}", "production": false, "contacts": [{"name": "team", "details": ${deepText(10_000)}}]}`,
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([tooDeepAt('/contacts/0/details', 3)]);
      expect(await environments()).not.toContain(name);
    });

    it('refuses a webhook whose body is nested 10,000 deep, and creates none', async () => {
      const webhooks = async () =>
        ((await send('GET', '/webhooks')).body._links as { 'pb:webhooks': unknown[] })[
          'pb:webhooks'
        ].length;
      const before = await webhooks();
      const answer = await send('POST', '/webhooks', {
        raw: `{"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "http://127.0.0.1:9/hook", "body": ${deepText(10_000)}}}`,
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([tooDeepAt('/request/body', 2)]);
      expect(await webhooks()).toBe(before);
    });

    it('refuses verification test results nested 10,000 deep, and records none', async () => {
      const consumer = unique();
      const path = `/pacts/provider/${consumer}-provider/consumer/${consumer}/version/1`;
      const put = await send('PUT', path, {
        json: pactFile(consumer, `${consumer}-provider`, ['a request']),
      });
      expect(put.status).toBe(201);
      const links = put.body._links as Record<string, { href: string }>;
      const results = new URL(links['pb:publish-verification-results']!.href).pathname;
      const answer = await send('POST', results, {
        raw: `{"success": true, "providerApplicationVersion": "2", "testResults": ${deepText(10_000)}}`,
      });
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([tooDeepAt('/testResults', 1)]);
      await expectMissing(`/pacticipants/${consumer}-provider/versions/2`);
    });
  });

  describe('in the URL', () => {
    it.each([
      '/pacticipants/%ED%A0%80',
      '/pacticipants/%C0%80/versions/1',
      '/pacts/provider/%FF/consumer/shop/latest',
      '/matrix?q[][pacticipant]=%ED%A0%80&q[][version]=1',
      '/can-i-deploy?pacticipant=shop&version=%C0%80&to=prod',
    ])('answers %s, which is not percent-encoded UTF-8, with 400 problem+json', async (path) => {
      expectRefused(await send('GET', path), 400, 'malformed_url');
    });

    it.each([
      ['/matrix?q[][pacticipant]=shop%00&q[][version]=1', 'q[][pacticipant]'],
      ['/pacticipants?q=a%00', 'q'],
      ['/environments?name=test%00', 'name'],
    ])('refuses NUL in the query of %s, naming the parameter', async (path, at) => {
      const answer = await send('GET', path);
      expectRefused(answer, 400, 'validation_failed');
      expect(issues(answer)).toEqual([`${at} ${NUL}`]);
    });
  });
});
