import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { MeshReport } from '../../src/report/model.js';
import { packageRoot } from '../../src/runtime/paths.js';
import {
  buildCli,
  runMeshpactAsync,
  scratchTmpdir,
  startMeshpact,
  type LongRunning,
} from '../support/meshpact-process.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

// A whole session at LOG_LEVEL=debug: `meshpact broker` with both tokens, `up`
// with known introspection credentials, and `run` against that broker (its
// verify children's logs come out on its stderr), driven with real traffic
// that carries every kind of secret, and some hostile input that makes the
// services fail on it. Then every line any of them printed, and the broker's
// webhook logs, are searched for each secret in each form it travelled in.

const fresh = (label: string) => `${label}-${randomBytes(12).toString('base64url')}`;
const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ ...json, authorization: `Bearer ${token}` });
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** A JSON text with a lone surrogate, which Postgres refuses in jsonb (quoting the text before it). */
const withLoneSurrogate = (value: unknown) => JSON.stringify(value).replace('LONE', '\\ud800');
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

interface TriggeredList {
  _embedded: { triggeredWebhooks: { _links: { 'pb:logs': { href: string } } }[] };
}

/** The forms a secret takes on its way: as it is, in Basic credentials, URL-encoded. */
function formsOf(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
  ];
}

describe('secrets in logs', () => {
  beforeAll(buildCli, 120_000);

  it('a whole `broker`, `up` and `run` session at debug level logs none of the secrets it used', async () => {
    const secrets = new Map<string, string>();
    const used = (label: string, secret: string) => {
      secrets.set(secret, label);
      return secret;
    };
    const writeToken = used('broker write token', fresh('write'));
    const readToken = used('broker read token', fresh('read'));
    const introspection = used('introspection secret', fresh('introspect'));
    const password = used('password', fresh('pw'));
    const webhookSecret = used('webhook secret header', fresh('whsec'));
    const webhookPassword = used('webhook password', fresh('whpw'));
    const typed = used('a secret typed into a request', fresh('typed'));
    used('introspection Basic credentials', basic('backend-api', introspection).slice(6));
    used('webhook Basic credentials', basic('ci', webhookPassword).slice(6));

    const scratch = scratchTmpdir();
    const space = mkdtempSync(join(tmpdir(), 'meshpact-secrets-'));
    const receiver = await startWebhookReceiver();
    const processes: Record<string, LongRunning> = {};
    const closed: Promise<unknown>[] = [];
    const start = (name: string, args: string[], env: Record<string, string>) => {
      const started = startMeshpact(args, { TMPDIR: scratch.path, LOG_LEVEL: 'debug', ...env });
      // 'close', not 'exit': by then both pipes are drained.
      closed.push(new Promise((resolve) => started.child.once('close', resolve)));
      processes[name] = started;
      return started;
    };
    const outputs: Record<string, string> = {};

    try {
      const broker = start(
        'broker',
        ['broker', '--port', '0', '--token', writeToken, '--read-token', readToken],
        { BROKER_WEBHOOK_HOSTS: '127.0.0.1', BROKER_WEBHOOK_ALLOW_LOCAL: 'true' },
      );
      // The built-in mesh with a known introspection secret instead of a random one.
      const mesh = join(space, 'mesh.yaml');
      writeFileSync(
        mesh,
        readFileSync(join(packageRoot(), 'contracts/mesh.yaml'), 'utf8')
          .replace(/^root: \.\.$/m, `root: ${packageRoot()}`)
          .replaceAll('{secret:introspection}', introspection),
      );
      const up = start('up', ['up', '--mesh', mesh], {});
      const [, brokerUrl] = await broker.line(/^broker: (http:\S+)$/);
      const [, authUrl] = await up.line(/^auth-service: (http:\S+)$/);
      const [, backendUrl] = await up.line(/^backend-api: (http:\S+)$/);
      const [, wsUrl] = await up.line(/^backend-events: (ws:\S+)$/);
      await Promise.all([broker.line(/^ready/), up.line(/^ready/)]);

      // Webhooks with a secret header and Basic credentials, fired by the run's publications.
      const postWebhook = (body: string) =>
        fetch(`${brokerUrl}/webhooks`, { method: 'POST', headers: bearer(writeToken), body });
      const webhook = (request: object) =>
        postWebhook(JSON.stringify({ events: [{ name: 'contract_content_changed' }], request }));
      const hook = await webhook({
        method: 'POST',
        url: `${receiver.url}/hook`,
        headers: { Authorization: `Bearer ${webhookSecret}`, 'X-Auth-Token': webhookSecret },
        body: { consumer: '${pactbroker.consumerName}' },
      });
      expect(hook.status).toBe(201);
      const basicHook = await webhook({
        method: 'POST',
        url: `${receiver.url}/basic`,
        username: 'ci',
        password: webhookPassword,
      });
      expect(basicHook.status).toBe(201);
      // Hostile: a lone surrogate after the secret header (Postgres quotes both), a header fetch refuses.
      const surrogate = await postWebhook(
        withLoneSurrogate({
          request: {
            method: 'POST',
            url: `${receiver.url}/never`,
            headers: { Authorization: `Bearer ${webhookSecret}`, 'X-Note': 'aLONEb' },
          },
        }),
      );
      expect(surrogate.status).toBeGreaterThanOrEqual(400);
      const broken = await webhook({
        method: 'POST',
        url: `${receiver.url}/broken`,
        headers: { Authorization: `Bearer ${webhookSecret}\nX-Injected: 1` },
      });
      // Stored as it is today; a broker that refuses it at the door leaves nothing to run.
      if (broken.status === 201) {
        const execute = await fetch(`${broken.headers.get('location')}/execute`, {
          method: 'POST',
          headers: bearer(writeToken),
          body: '{}',
        });
        outputs['webhook test execution'] = await execute.text();
      }

      const run = start(
        'run',
        [
          'run',
          '--json',
          '--reports',
          join(space, 'reports'),
          '--broker-base-url',
          brokerUrl!,
          '--broker-token',
          writeToken,
        ],
        { MESHPACT_PACT_DIR: join(space, 'pacts'), CI: 'true' },
      );

      // While the run runs: a session on `up` with every kind of credential.
      const auth = (path: string, body: unknown, headers: Record<string, string> = json) =>
        fetch(`${authUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const tokens = async (answer: Response, status = 200) => {
        expect(answer.status).toBe(status);
        const body = (await answer.json()) as { access_token: string; refresh_token: string };
        used('access token', body.access_token);
        used('refresh token', body.refresh_token);
        return body;
      };
      const email = 'carol@example.com';
      await tokens(await auth('/auth/register', { email, password, name: 'Carol' }), 201);
      const wrong = used('wrong password', `${password}-wrong`);
      expect((await auth('/auth/login', { email, password: wrong })).status).toBe(401);
      const login = await tokens(await auth('/auth/login', { email, password }));
      const refreshed = await tokens(
        await auth('/auth/refresh', { refresh_token: login.refresh_token }),
      );
      const reused = await auth('/auth/refresh', { refresh_token: login.refresh_token });
      expect(await reused.json()).toMatchObject({ code: 'refresh_token_reused' });
      expect((await auth('/auth/refresh', { refresh_token: refreshed.refresh_token })).status).toBe(
        401,
      );
      const session = await tokens(await auth('/auth/login', { email, password }));
      const introspected = await auth(
        '/auth/introspect',
        { token: session.access_token },
        { ...json, authorization: basic('backend-api', introspection) },
      );
      expect(await introspected.json()).toMatchObject({ active: true });
      const wrongClient = used('wrong introspection secret', `${introspection}-wrong`);
      used('wrong Basic credentials', basic('backend-api', wrongClient).slice(6));
      expect(
        (
          await auth(
            '/auth/introspect',
            { token: session.access_token },
            { ...json, authorization: basic('backend-api', wrongClient) },
          )
        ).status,
      ).toBe(401);
      await fetch(`${authUrl}/auth/login`, {
        method: 'POST',
        headers: json,
        body: `{"email":"${email}","password":"${password}"`,
      });

      const api = (path: string, body: string) =>
        fetch(`${backendUrl}${path}`, {
          method: 'POST',
          headers: bearer(session.access_token),
          body,
        });
      const thread = (await (await api('/api/threads', '{"title":"Keys"}')).json()) as {
        id: string;
      };
      // Hostile: a thread's metadata and a run's input holding a typed secret and a lone surrogate.
      await api(
        '/api/threads',
        withLoneSurrogate({ title: 't', metadata: { key: typed, x: 'LONE' } }),
      );
      await api(
        `/api/threads/${thread.id}/runs`,
        withLoneSurrogate({ agent_name: 'calculator', input: `${typed} LONE [calc 1+1]` }),
      );

      const socket = new WebSocket(wsUrl!, ['meshpact.v1', `bearer.${session.access_token}`]);
      const accepted = new Promise<{ run_id: string }>((resolve, reject) => {
        socket.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { type: string; run_id: string };
          if (frame.type === 'connection_established') {
            socket.send('{"type":"nonsense"');
            socket.send(
              JSON.stringify({
                type: 'start_run',
                request_id: 'r1',
                thread_id: thread.id,
                agent_name: 'calculator',
                input: 'What is 6*7? [calc 6*7]',
              }),
            );
          }
          if (frame.type === 'run_accepted') resolve(frame);
        });
        socket.once('error', reject);
      });
      const { run_id } = await accepted;
      socket.close();
      const forged = used('forged token', `${session.access_token.slice(0, -4)}AAAA`);
      const refused = new WebSocket(wsUrl!, ['meshpact.v1', `bearer.${forged}`]);
      await new Promise((resolve) => refused.once('error', resolve));

      const events = await runMeshpactAsync(
        [
          ...['events', '--url', backendUrl!, '--thread', thread.id, '--run', run_id],
          ...['--after-seq', '0', '--until-completed'],
        ],
        { MESHPACT_TOKEN: session.access_token, LOG_LEVEL: 'debug' },
      );
      expect(events.status).toBe(0);
      outputs['events stdout'] = events.stdout;
      outputs['events stderr'] = events.stderr;
      expect(
        (
          await fetch(`${authUrl}/auth/logout`, {
            method: 'POST',
            headers: bearer(session.access_token),
          })
        ).status,
      ).toBe(204);

      // The broker, with the read token: reads allowed, writes refused.
      const read = await fetch(`${brokerUrl}/pacticipants`, { headers: bearer(readToken) });
      expect(read.status).toBe(200);
      const write = await fetch(`${brokerUrl}/pacticipants/x`, {
        method: 'DELETE',
        headers: bearer(readToken),
      });
      expect(write.status).toBe(403);

      const status = await run.exited();
      const report = JSON.parse(run.stdout()) as MeshReport;
      const failed = report.phases.filter((phase) => phase.status !== 'ok');
      expect({ status, failed }).toEqual({ status: 0, failed: [] });
      const canIDeploy = await runMeshpactAsync(
        [
          ...['can-i-deploy', '--pacticipant', 'web-app', '--version', report.version.number],
          ...['--broker-base-url', brokerUrl!, '--broker-token', readToken],
        ],
        { LOG_LEVEL: 'debug' },
      );
      expect(canIDeploy.status).toBe(0);
      outputs['can-i-deploy stdout'] = canIDeploy.stdout;
      outputs['can-i-deploy stderr'] = canIDeploy.stderr;

      // The run's publications fired the webhook, with its secrets, and the broker kept its logs.
      const [fired] = await receiver.waitFor('/hook', 1);
      expect(fired!.headers.authorization).toBe(`Bearer ${webhookSecret}`);
      expect(fired!.headers['x-auth-token']).toBe(webhookSecret);
      const [firedBasic] = await receiver.waitFor('/basic', 1);
      expect(firedBasic!.headers.authorization).toBe(basic('ci', webhookPassword));
      for (const created of [hook, basicHook]) {
        const triggered = (await (
          await fetch(`${created.headers.get('location')}/triggered-webhooks`, {
            headers: bearer(readToken),
          })
        ).json()) as TriggeredList;
        for (const [i, t] of triggered._embedded.triggeredWebhooks.entries()) {
          const logs = await fetch(t._links['pb:logs'].href, {
            headers: { ...bearer(readToken), accept: 'text/plain' },
          });
          outputs[`webhook logs ${created.headers.get('location')} ${i}`] = await logs.text();
        }
      }
      expect(Object.keys(outputs).filter((name) => name.startsWith('webhook logs'))).not.toEqual(
        [],
      );

      for (const name of ['broker', 'up']) processes[name]!.child.kill('SIGINT');
      await Promise.all(closed);
    } finally {
      for (const running of Object.values(processes)) running.child.kill('SIGKILL');
      await receiver.close();
      scratch.remove();
      rmSync(space, { recursive: true, force: true });
    }

    for (const [name, running] of Object.entries(processes)) {
      outputs[`${name} stdout`] = running.stdout();
      outputs[`${name} stderr`] = running.stderr();
    }
    // Each process logged, at debug level; the run's include its verify children's.
    expect(outputs['broker stderr']).toMatch(/"msg":"broker listening"/);
    expect(outputs['up stderr']).toMatch(/"msg":"auth-service listening"/);
    expect(outputs['run stderr']).toMatch(/^backend-api \| .*"msg":"backend-api listening"/m);

    const leaks: string[] = [];
    for (const [source, text] of Object.entries(outputs)) {
      for (const line of text.split('\n')) {
        for (const [secret, label] of secrets)
          if (formsOf(secret).some((form) => line.includes(form)))
            leaks.push(`${source}: ${label}: ${line.slice(0, 300)}`);
        if (JWT.test(line)) leaks.push(`${source}: a JWT: ${line.slice(0, 300)}`);
      }
    }
    expect(leaks).toEqual([]);
  }, 300_000);
});
