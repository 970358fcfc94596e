import { readFileSync } from 'node:fs';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { isLocalAddress, isLocalHost } from '../../src/broker/webhook-targets.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// A broker with tokens is shared: its webhooks may not call its own machine
// (loopback, link-local) unless BROKER_WEBHOOK_ALLOW_LOCAL=true. The only
// requests sent here go to a receiver on 127.0.0.1, when that is allowed;
// refused targets are never connected to, and private addresses are only
// stored, never called.

const token = 'rw-token';
const env = { PACT_BROKER_TOKEN: token, PACT_BROKER_READ_TOKEN: 'ro-token' };

/** A name this machine's hosts file maps to a loopback address that is not a localhost name, if it has one. */
function loopbackAlias(): string | undefined {
  let hosts = '';
  try {
    hosts = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of hosts.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !isLocalAddress(address) || !address.includes('.')) continue;
    const alias = names.find((name) => !isLocalHost(name));
    if (alias) return alias;
  }
  return undefined;
}

interface Problem {
  status: number;
  code: string;
  errors: { path: string; message: string }[];
}

describe('webhook targets on a broker with tokens', () => {
  let receiver: WebhookReceiver;
  let shared: BrokerUnderTest;
  const port = () => new URL(receiver.url).port;
  const call = (broker: BrokerUnderTest, method: string, path: string, body?: unknown) =>
    fetch(`${broker.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/problem+json',
        'content-type': 'application/json',
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const hook = (url: string) => ({ enabled: false, request: { method: 'POST', url } });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    shared = await startBrokerForTest({ env });
  });
  afterAll(async () => {
    await shared.close();
    await receiver.close();
  });

  describe('by default', () => {
    it.each([
      'http://127.0.0.1:{port}/hook',
      'http://localhost:{port}/hook',
      'http://LOCALHOST.:{port}/hook',
      'http://api.localhost:{port}/hook',
      'http://[::1]:{port}/hook',
      'http://[::ffff:127.0.0.1]:{port}/hook',
      'http://2130706433:{port}/hook',
      'http://0x7f.1:{port}/hook',
      'http://0.0.0.0:{port}/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/hook',
    ])('refuses to create or test-run a webhook to %s', async (target: string) => {
      const url = target.replace('{port}', port());
      for (const path of ['/webhooks', '/webhooks/execute']) {
        const answer = await call(shared, 'POST', path, hook(url));
        expect(answer.status).toBe(400);
        const problem = (await answer.json()) as Problem;
        expect({ status: problem.status, code: problem.code }).toEqual({
          status: 400,
          code: 'validation_failed',
        });
        expect(problem.errors.map((error) => error.path)).toEqual(['/request/url']);
        expect(problem.errors[0]!.message).toMatch(/BROKER_WEBHOOK_ALLOW_LOCAL=true/);
      }
      expect(receiver.received('/hook')).toEqual([]);
    });

    it('takes private addresses, where CI servers live (stored, not called)', async () => {
      for (const url of [
        'http://10.1.2.3/build',
        'http://172.16.0.9/build',
        'http://192.168.1.5/build',
      ])
        expect((await call(shared, 'POST', '/webhooks', hook(url))).status).toBe(201);
    });

    it('allows local targets on a broker without tokens, which serves only this machine', async () => {
      const open = await startBrokerForTest({ postgres: shared.postgres });
      try {
        const answer = await fetch(`${open.url}/webhooks/execute`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(hook(`${receiver.url}/open`)),
        });
        expect(answer.status).toBe(200);
        expect(((await answer.json()) as { success: boolean }).success).toBe(true);
        expect(receiver.received('/open')).toHaveLength(1);
      } finally {
        await open.close();
      }
    });
  });

  describe('with BROKER_WEBHOOK_ALLOW_LOCAL=true', () => {
    it('calls a local receiver, and refuses it again once the setting is gone', async () => {
      const allowing = await startBrokerForTest({
        env,
        postgres: shared.postgres,
        webhooks: { allowLocal: true },
      });
      let self: string;
      try {
        const created = await call(
          allowing,
          'POST',
          '/webhooks',
          hook(`http://localhost:${port()}/allowed`),
        );
        expect(created.status).toBe(201);
        self = new URL(created.headers.get('location')!).pathname;
        const ran = await call(allowing, 'POST', `${self}/execute`);
        expect(((await ran.json()) as { success: boolean }).success).toBe(true);
        expect(receiver.received('/allowed')).toHaveLength(1);
      } finally {
        await allowing.close();
      }

      // The stored webhook is checked again when it runs, under today's settings.
      const ran = await call(shared, 'POST', `${self}/execute`);
      expect(ran.status).toBe(200);
      const result = (await ran.json()) as { success: boolean; error: { message: string } };
      expect(result.success).toBe(false);
      expect(result.error.message).toMatch(
        /^refused to call localhost: .*BROKER_WEBHOOK_ALLOW_LOCAL=true/,
      );
      expect(receiver.received('/allowed')).toHaveLength(1);
    });

    const alias = loopbackAlias();
    (alias ? it : it.skip)(
      `refuses, when it runs, a name that resolves to a loopback address (${alias ?? 'none in /etc/hosts'})`,
      async () => {
        const allowing = await startBrokerForTest({
          env,
          postgres: shared.postgres,
          webhooks: { allowLocal: true },
        });
        let self: string;
        try {
          const created = await call(
            allowing,
            'POST',
            '/webhooks',
            hook(`http://${alias}:${port()}/alias`),
          );
          expect(created.status).toBe(201);
          self = new URL(created.headers.get('location')!).pathname;
        } finally {
          await allowing.close();
        }
        const ran = await call(shared, 'POST', `${self}/execute`);
        const result = (await ran.json()) as { success: boolean; error: { message: string } };
        expect(result.success).toBe(false);
        expect(result.error.message).toMatch(
          new RegExp(`^refused to call ${alias!} \\(127\\.[0-9.]+\\): loopback and link-local`),
        );
        expect(receiver.received('/alias')).toEqual([]);
      },
    );
  });
});
