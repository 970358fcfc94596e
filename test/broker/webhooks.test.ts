import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { startPostgres } from '../../src/runtime/postgres.js';
import { pactBroker } from '../support/pact-broker-cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { pactFile } from '../support/pacts.js';

// Webhooks against meshpact's broker: created and tested with the official
// pact-broker CLI, fired by publications made with it, retried, resumed after
// a restart, and refused with problem+json when they make no sense.

interface WebhookList {
  _links: { 'pb:webhooks': { href: string; name: string }[] };
}
interface TriggeredList {
  _embedded: {
    triggeredWebhooks: {
      uuid: string;
      status: string;
      eventName: string;
      attemptsMade: number;
      _links: { 'pb:logs': { href: string } };
    }[];
  };
}
interface Logs {
  status: string;
  eventName: string;
  executions: { success: boolean; logs: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('broker webhooks', () => {
  let broker: BrokerUnderTest;
  let receiver: WebhookReceiver;
  let dir: string;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);
  const getJson = async <T>(url: string) => (await (await fetch(url)).json()) as T;
  const post = (path: string, body: unknown) =>
    fetch(`${broker.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/problem+json' },
      body: JSON.stringify(body),
    });
  const publish = async (
    consumer: string,
    provider: string,
    version: string,
    ...extra: string[]
  ) => {
    const file = join(dir, `${consumer}-${provider}-${version}.json`);
    writeFileSync(file, JSON.stringify(pactFile(consumer, provider, ['an item'])));
    const published = await cli('publish', file, '--consumer-app-version', version, ...extra);
    expect(published.stderr).toBe('');
    expect(published.status).toBe(0);
  };
  /** The uuid of the webhook whose description is `description`. */
  const uuidOf = async (description: string) => {
    const list = await getJson<WebhookList>(`${broker.url}/webhooks`);
    const found = list._links['pb:webhooks'].find((link) => link.name === description);
    if (!found) throw new Error(`no webhook "${description}"`);
    return found.href.split('/').pop()!;
  };
  const triggered = async (uuid: string) =>
    (await getJson<TriggeredList>(`${broker.url}/webhooks/${uuid}/triggered-webhooks`))._embedded
      .triggeredWebhooks;
  /** Polls the triggered webhook's logs until it has finished (success or failure). */
  const finished = async (logsHref: string): Promise<Logs> => {
    for (;;) {
      const logs = await getJson<Logs>(logsHref);
      if (logs.status === 'success' || logs.status === 'failure') return logs;
      await sleep(50);
    }
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    broker = await startBrokerForTest({ webhooks: { retrySchedule: [0, 0, 0] } });
    dir = mkdtempSync(join(tmpdir(), 'meshpact-webhooks-'));
  });
  afterAll(async () => {
    await broker.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when created with the CLI', () => {
    it('stores the webhook with its secrets hidden, and test-webhook calls it with templates filled', async () => {
      await publish('shop', 'catalog', '1.0.0', '--branch', 'main');
      const created = await cli(
        'create-webhook',
        `${receiver.url}/test-run?consumer=\${pactbroker.consumerName}`,
        '--request',
        'POST',
        '--header',
        'Content-Type: application/json',
        'X-Api-Token: t0ken',
        '--data',
        '{"event":"${pactbroker.eventName}","version":"${pactbroker.consumerVersionNumber}"}',
        '--consumer',
        'shop',
        '--provider',
        'catalog',
        '--contract-content-changed',
        '--contract-published',
        '--description',
        'test run',
      );
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);

      const uuid = await uuidOf('test run');
      const webhook = await getJson<Record<string, unknown>>(`${broker.url}/webhooks/${uuid}`);
      expect(webhook).toMatchObject({
        consumer: { name: 'shop' },
        provider: { name: 'catalog' },
        events: [{ name: 'contract_content_changed' }, { name: 'contract_published' }],
        request: { headers: { 'X-Api-Token': '**********' } },
      });

      const tested = await cli('test-webhook', '--uuid', uuid);
      expect(tested.stderr).toBe('');
      expect(tested.status).toBe(0);
      const lastLine = tested.stdout.trim().split('\n').at(-1)!;
      const result = JSON.parse(lastLine) as {
        success: boolean;
        logs: string;
      };
      expect(result.success).toBe(true);
      const [request] = await receiver.waitFor('/test-run', 1);
      expect(request!.url).toBe('/test-run?consumer=shop');
      expect(request!.headers['x-api-token']).toBe('t0ken');
      expect(JSON.parse(request!.body)).toEqual({ event: 'test', version: '1.0.0' });
      expect(result.logs).not.toContain('t0ken');
    });

    it('keeps the stored password and secret headers when a GET-then-PUT sends them back as asterisks', async () => {
      const created = await post('/webhooks', {
        description: 'round trip',
        request: {
          method: 'POST',
          url: `${receiver.url}/round-trip`,
          headers: { Authorization: 'Bearer s3cret' },
        },
      });
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      const shown = await getJson<{ request: unknown; description: string }>(location);
      expect(shown.request).toMatchObject({ headers: { Authorization: '**********' } });

      const put = await fetch(location, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'round trip', request: shown.request }),
      });
      expect(put.status).toBe(200);
      expect((await post(`${new URL(location).pathname}/execute`, {})).status).toBe(200);
      const [request] = await receiver.waitFor('/round-trip', 1);
      expect(request!.headers.authorization).toBe('Bearer s3cret');
    });
  });

  describe('when a pact is published', () => {
    it('fires contract_content_changed with the template parameters filled, and not again for identical content', async () => {
      await publish('web-app', 'auth-service', '1.0.0', '--branch', 'main');
      const changedHook = await post('/webhooks', {
        description: 'changed',
        consumer: { name: 'web-app' },
        events: [{ name: 'contract_content_changed' }],
        request: {
          method: 'POST',
          url: `${receiver.url}/changed?version=\${pactbroker.consumerVersionNumber}`,
          headers: { 'Content-Type': 'application/json' },
          body: {
            pactUrl: '${pactbroker.pactUrl}',
            consumer: '${pactbroker.consumerName}',
            provider: '${pactbroker.providerName}',
            version: '${pactbroker.consumerVersionNumber}',
            branch: '${pactbroker.consumerVersionBranch}',
            tags: '${pactbroker.consumerVersionTags}',
            event: '${pactbroker.eventName}',
            buildUrl: '${pactbroker.buildUrl}',
            status: '${pactbroker.githubVerificationStatus}',
            providerVersion: '${pactbroker.providerVersionNumber}',
          },
        },
      });
      expect(changedHook.status).toBe(201);
      expect(
        (
          await post('/webhooks/consumer/web-app', {
            description: 'published',
            events: [{ name: 'contract_published' }],
            request: { method: 'POST', url: `${receiver.url}/published` },
          })
        ).status,
      ).toBe(201);

      const file = join(dir, 'changed.json');
      writeFileSync(file, JSON.stringify(pactFile('web-app', 'auth-service', ['a login'])));
      const published = await cli(
        'publish',
        file,
        '--consumer-app-version',
        '2.0.0',
        '--branch',
        'feat/login',
        '--tag',
        'dev,candidate',
        '--build-url',
        'https://ci.example.com/2',
      );
      expect(published.status).toBe(0);

      const [fired] = await receiver.waitFor('/changed', 1);
      expect(fired!.url).toBe('/changed?version=2.0.0');
      const body = JSON.parse(fired!.body) as Record<string, string>;
      expect(body).toEqual({
        pactUrl: expect.stringMatching(
          new RegExp(
            `^${broker.url}/pacts/provider/auth-service/consumer/web-app/pact-version/[0-9a-f]{40}/metadata/\\S+$`,
          ),
        ) as unknown,
        consumer: 'web-app',
        provider: 'auth-service',
        version: '2.0.0',
        branch: 'feat/login',
        tags: 'candidate, dev',
        event: 'contract_content_changed',
        buildUrl: 'https://ci.example.com/2',
        status: 'pending',
        providerVersion: '',
      });
      const pact = await fetch(body.pactUrl!);
      expect(pact.status).toBe(200);

      // The same content again: contract_published fires, contract_content_changed does not.
      // Both are triggered together, so once the first has arrived the second would be stored.
      writeFileSync(file, JSON.stringify(pactFile('web-app', 'auth-service', ['a login'])));
      expect((await cli('publish', file, '--consumer-app-version', '3.0.0')).status).toBe(0);
      const published3 = await receiver.waitFor('/published', 2);
      expect(published3).toHaveLength(2);
      const changed = await triggered(await uuidOf('changed'));
      expect(changed.map((t) => t.eventName)).toEqual(['contract_content_changed']);
      expect(receiver.received('/changed')).toHaveLength(1);
    });

    it('retries a failing receiver until it succeeds, storing each execution with its logs', async () => {
      receiver.answer('/flaky', (index) => (index < 2 ? 500 : 200));
      expect(
        (
          await post('/webhooks/provider/catalog', {
            description: 'flaky',
            events: [{ name: 'contract_published' }],
            request: { method: 'POST', url: `${receiver.url}/flaky` },
          })
        ).status,
      ).toBe(201);
      await publish('shop', 'catalog', '1.0.1');

      await receiver.waitFor('/flaky', 3);
      const [run] = await triggered(await uuidOf('flaky'));
      const logs = await finished(run!._links['pb:logs'].href);
      expect(logs.status).toBe('success');
      expect(logs.executions.map((e) => e.success)).toEqual([false, false, true]);
      expect(logs.executions[0]!.logs).toContain('Webhook execution failed');
      expect(logs.executions[2]!.logs).toContain(`POST ${receiver.url}/flaky`);

      const text = await fetch(run!._links['pb:logs'].href, { headers: { accept: 'text/plain' } });
      expect(text.headers.get('content-type')).toMatch(/^text\/plain/);

      const status = await getJson<TriggeredList & { summary: Record<string, number> }>(
        `${broker.url}/pacts/provider/catalog/consumer/shop/webhooks/status`,
      );
      expect(status._embedded.triggeredWebhooks).toContainEqual(
        expect.objectContaining({ uuid: run!.uuid, status: 'success', attemptsMade: 3 }),
      );
      expect(status.summary.successful).toBeGreaterThanOrEqual(1);
    });
  });

  describe('when the body makes no sense', () => {
    const problem = async (response: Response) => ({
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as { code: string; errors?: { path: string }[] },
    });

    it('refuses an unknown pacticipant, a URL scheme not allowed, and a missing request', async () => {
      const unknown = await problem(
        await post('/webhooks', {
          consumer: { name: 'nobody' },
          request: { method: 'POST', url: `${receiver.url}/x` },
        }),
      );
      expect(unknown).toMatchObject({
        status: 400,
        body: { status: 400, code: 'validation_failed' },
      });
      expect(unknown.type).toMatch(/^application\/problem\+json/);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ path: '/consumer/name' })]);

      const scheme = await problem(
        await post('/webhooks', { request: { method: 'POST', url: 'ftp://example.com/x' } }),
      );
      expect(scheme).toMatchObject({
        status: 400,
        body: { status: 400, code: 'validation_failed' },
      });
      expect(scheme.body.errors).toEqual([expect.objectContaining({ path: '/request/url' })]);

      const method = await problem(
        await post('/webhooks', { request: { method: 'DELETE', url: `${receiver.url}/x` } }),
      );
      expect(method.body.errors).toEqual([expect.objectContaining({ path: '/request/method' })]);

      const missing = await problem(await post('/webhooks', { description: 'no request' }));
      expect(missing).toMatchObject({
        status: 400,
        body: { status: 400, code: 'validation_failed' },
      });
      expect(missing.body.errors).toEqual([expect.objectContaining({ path: '/request' })]);

      const scoped = await problem(
        await post('/webhooks/provider/nobody', {
          request: { method: 'POST', url: `${receiver.url}/x` },
        }),
      );
      expect(scoped).toMatchObject({ status: 404, body: { code: 'not_found' } });

      const list = await getJson<WebhookList>(`${broker.url}/webhooks`);
      expect(list._links['pb:webhooks'].map((w) => w.name)).not.toContain('no request');
    });

    it('refuses a webhook from the CLI for a consumer that does not exist', async () => {
      const created = await cli(
        'create-webhook',
        `${receiver.url}/x`,
        '--request',
        'POST',
        '--consumer',
        'nobody',
        '--contract-published',
      );
      expect(created.status).not.toBe(0);
    });
  });
  describe('when a provider has versions to answer for', () => {
    it('fires contract_requiring_verification_published for its main branch head, then provider_verification_published', async () => {
      const put = await fetch(`${broker.url}/pacticipants/ledger/branches/main/versions/ledger-1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(put.status).toBe(201);
      const created = await post('/webhooks', {
        description: 'ledger verification',
        provider: { name: 'ledger' },
        events: [
          { name: 'contract_requiring_verification_published' },
          { name: 'provider_verification_published' },
        ],
        request: {
          method: 'POST',
          url: `${receiver.url}/ledger?pv=\${pactbroker.providerVersionNumber}&status=\${pactbroker.githubVerificationStatus}`,
          body: '${pactbroker.eventName}',
        },
      });
      expect(created.status).toBe(201);

      await publish('shop', 'ledger', '3.0.0', '--branch', 'main');
      const [required] = await receiver.waitFor('/ledger', 1);
      expect(required?.body).toBe('contract_requiring_verification_published');
      expect(new URL(required!.url, receiver.url).searchParams.get('pv')).toBe('ledger-1');

      const pact = await getJson<{
        _links: { 'pb:publish-verification-results': { href: string } };
      }>(`${broker.url}/pacts/provider/ledger/consumer/shop/latest`);
      const verified = await fetch(pact._links['pb:publish-verification-results'].href, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ success: true, providerApplicationVersion: 'ledger-1' }),
      });
      expect(verified.status).toBe(201);
      const [, published] = await receiver.waitFor('/ledger', 2);
      expect(published?.body).toBe('provider_verification_published');
      const query = new URL(published!.url, receiver.url).searchParams;
      expect([query.get('pv'), query.get('status')]).toEqual(['ledger-1', 'success']);

      // Once verified by that version, a republished identical pact requires nothing more of it.
      await publish('shop', 'ledger', '3.0.1', '--branch', 'main');
      const uuid = await uuidOf('ledger verification');
      const events = (await triggered(uuid)).map((t) => t.eventName).sort();
      expect(events).toEqual([
        'contract_requiring_verification_published',
        'provider_verification_published',
      ]);
    });
  });
});

describe('broker webhooks across a restart', () => {
  it('runs a triggered webhook cut off by close() once the broker starts again', async () => {
    const postgres = await startPostgres({
      databaseUrl: process.env.DATABASE_URL,
      scratchDatabase: true,
    });
    const receiver = await startWebhookReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'meshpact-webhooks-restart-'));
    receiver.answer('/slow', (index) => (index === 0 ? 'hang' : 200));
    try {
      const first = await startBrokerForTest({ postgres });
      const file = join(dir, 'pact.json');
      writeFileSync(file, JSON.stringify(pactFile('shop', 'catalog', ['an item'])));
      const cli = (url: string, ...args: string[]) =>
        pactBroker([...args, '--broker-base-url', url]);
      try {
        await cli(first.url, 'publish', file, '--consumer-app-version', '1');
        expect(
          (
            await cli(
              first.url,
              'create-webhook',
              `${receiver.url}/slow?v=\${pactbroker.consumerVersionNumber}`,
              '--request',
              'POST',
              '--contract-published',
            )
          ).status,
        ).toBe(0);
        writeFileSync(file, JSON.stringify(pactFile('shop', 'catalog', ['an item', 'a basket'])));
        await cli(first.url, 'publish', file, '--consumer-app-version', '2');
        await receiver.waitFor('/slow', 1);
      } finally {
        await first.close();
      }

      const second = await startBrokerForTest({ postgres });
      try {
        const [again] = (await receiver.waitFor('/slow', 2)).slice(1);
        expect(again!.url).toBe('/slow?v=2');
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
