import pg from 'pg';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { hungServer } from '../../src/runtime/test-servers.js';
import { freePort } from '../../src/runtime/ports.js';
import { eventually } from '../support/eventually.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { publication, publish } from './publish-kill.js';

// Webhooks whose target is down: a closed port (connection refused), a server
// that accepts and never answers, and one that sends its headers and then
// nothing. The broker answers publications and other requests while their
// attempts hang, retries each after the delays of its schedule, and records
// the triggered webhook as failed once the attempts are spent, with the reason
// in each execution's logs; a healthy webhook on the same events is called for
// every publication meanwhile.

interface Triggered {
  uuid: string;
  status: string;
  attemptsMade: number;
  attemptsRemaining: number;
  _links: { 'pb:logs': { href: string } };
}
interface Logs {
  status: string;
  executions: { success: boolean; logs: string }[];
}

/** Seconds before each retry: three attempts, the second wait longer than the first. */
const SCHEDULE = [0.1, 0.3];
const TIMEOUT_SECONDS = 1;

describe('broker webhooks whose target is down', () => {
  let broker: BrokerUnderTest;
  let receiver: WebhookReceiver;
  let hung: Awaited<ReturnType<typeof hungServer>>;
  let halfAnswer: Awaited<ReturnType<typeof hungServer>>;
  let db: pg.Client;
  const uuids: Record<string, string> = {};
  const getJson = async <T>(url: string) => (await (await fetch(url)).json()) as T;
  const triggered = async (name: string) =>
    (
      await getJson<{ _embedded: { triggeredWebhooks: Triggered[] } }>(
        `${broker.url}/webhooks/${uuids[name]}/triggered-webhooks`,
      )
    )._embedded.triggeredWebhooks;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    hung = await hungServer();
    halfAnswer = await hungServer({ partial: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{' });
    broker = await startBrokerForTest({
      webhooks: { retrySchedule: SCHEDULE, timeoutSeconds: TIMEOUT_SECONDS },
    });
    db = new pg.Client({ connectionString: broker.postgres.connectionString });
    await db.connect();
    // The pacticipants exist before webhooks name them.
    const first = publication('shop', '0', ['catalog'], 1);
    expect(await publish(broker.url, first.body)).toEqual({ answered: 200 });
    const targets = {
      refused: `http://127.0.0.1:${await freePort()}/refused`,
      hung: `${hung.url}/hung`,
      'half-answer': `${halfAnswer.url}/half`,
      healthy: `${receiver.url}/healthy`,
    };
    for (const [name, url] of Object.entries(targets)) {
      const created = await fetch(`${broker.url}/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          description: name,
          provider: { name: 'catalog' },
          events: [{ name: 'contract_published' }],
          request: { method: 'POST', url },
        }),
      });
      expect(created.status).toBe(201);
      uuids[name] = ((await created.json()) as { uuid: string }).uuid;
    }
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await broker?.close();
    await receiver?.close();
    await hung?.close();
    await halfAnswer?.close();
  });

  it('answers publications and other requests while an attempt hangs', async () => {
    expect(await publish(broker.url, publication('shop', '1', ['catalog'], 1).body)).toEqual({
      answered: 200,
    });
    // An attempt is now held by the server that never answers.
    await eventually('the hung target is called', () =>
      Promise.resolve(hung.connections() > 0 || undefined),
    );
    expect(await publish(broker.url, publication('shop', '2', ['catalog'], 1).body)).toEqual({
      answered: 200,
    });
    expect((await fetch(`${broker.url}/pacticipants/shop/versions/2`)).status).toBe(200);
    expect((await fetch(`${broker.url}/matrix?q[][pacticipant]=shop`)).status).toBe(200);
    // The healthy webhook is called for both publications, whatever the others do.
    const calls = await receiver.waitFor('/healthy', 2);
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['refused', /ECONNREFUSED/],
    ['hung', new RegExp(`no response within ${TIMEOUT_SECONDS} s`)],
    ['half-answer', new RegExp(`no response within ${TIMEOUT_SECONDS} s`)],
  ])(
    'records the %s target as failed once every attempt is spent, each with its reason',
    async (name, reason) => {
      const runs = await eventually(
        `both triggered webhooks of ${name} finish`,
        async () => {
          const rows = await triggered(name);
          return rows.length === 2 && rows.every((row) => row.status === 'failure')
            ? rows
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
      for (const run of runs) {
        expect(run).toMatchObject({
          attemptsMade: SCHEDULE.length + 1,
          attemptsRemaining: 0,
        });
        const logs = await getJson<Logs>(run._links['pb:logs'].href);
        expect(logs.executions.map((e) => e.success)).toEqual([false, false, false]);
        for (const execution of logs.executions) {
          expect(execution.logs).toMatch(reason);
          expect(execution.logs).toContain('Webhook execution failed');
        }
        // Backoff: each retry came at least its delay after the attempt before it ended.
        const { rows } = await db.query<{ gap_ms: number }>(
          `SELECT (extract(epoch FROM e.created_at - lag(e.created_at) OVER (ORDER BY e.id)) * 1000)::float AS gap_ms
             FROM broker_webhook_executions e JOIN broker_triggered_webhooks t ON t.id = e.triggered_webhook_id
            WHERE t.uuid = $1 ORDER BY e.id`,
          [run.uuid],
        );
        const gaps = rows.slice(1).map((row) => row.gap_ms);
        expect(gaps).toHaveLength(SCHEDULE.length);
        gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(SCHEDULE[i]! * 1000 - 5));
      }
    },
    70_000,
  );

  it('records the healthy webhook as succeeded for each publication', async () => {
    const rows = await eventually('both triggered webhooks of healthy succeed', async () => {
      const all = await triggered('healthy');
      return all.length === 2 && all.every((row) => row.status === 'success') ? all : undefined;
    });
    expect(rows.map((row) => row.attemptsMade)).toEqual([1, 1]);
  });
});
