import { readdirSync } from 'node:fs';
import { buildCli, runMeshpact, scratchTmpdir, startMeshpact } from './support/meshpact-process.js';

const json = { 'content-type': 'application/json' };

describe('meshpact up', () => {
  beforeAll(buildCli, 120_000);

  describe('when asked for auth-service alone, with its states', () => {
    it('serves it by its manifest command on a database of its own until Ctrl-C, then stops cleanly', async () => {
      const scratch = scratchTmpdir();
      const up = startMeshpact(['up', 'auth-service', '--states'], {
        TMPDIR: scratch.path,
        LOG_LEVEL: 'warn',
      });
      try {
        const [, url] = await up.line(/^auth-service: (http:\/\/127\.0\.0\.1:\d+)$/);
        await up.line(/^ready/);
        expect(up.stdout()).not.toMatch(/^backend-api/m);

        const credentials = { email: 'alice@example.com', password: 'correct horse battery' };
        const registered = await fetch(`${url}/auth/register`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ ...credentials, name: 'Alice' }),
        });
        expect(registered.status).toBe(201);
        const login = await fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify(credentials),
        });
        expect(login.status).toBe(200);
        const { access_token } = (await login.json()) as { access_token: string };
        const me = await fetch(`${url}/auth/me`, {
          headers: { authorization: `Bearer ${access_token}` },
        });
        expect(await me.json()).toMatchObject({ email: 'alice@example.com', name: 'Alice' });
        // --states: the manifest's states.env switched its state endpoint on.
        const state = await fetch(`${url}/_pact/provider-states`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({
            state: 'user alice@example.com exists',
            params: { email: 'bob@example.com', password: 'correct horse battery', name: 'Bob' },
            action: 'setup',
          }),
        });
        expect(state.status).toBe(200);

        up.child.kill('SIGINT');
        expect(await up.exited()).toBe(0);
        expect(up.stdout()).toMatch(/^SIGINT: stopping$/m);
        await expect(fetch(url!)).rejects.toThrow();
        expect(readdirSync(scratch.path)).toEqual([]);
      } finally {
        up.child.kill('SIGKILL');
        scratch.remove();
      }
    }, 60_000);
  });

  describe('when asked for the whole mesh', () => {
    it('serves auth-service and backend-api, and `meshpact events` watches a run to its end', async () => {
      const scratch = scratchTmpdir();
      // At debug level too, stdout carries only the URLs and the ready line.
      const up = startMeshpact(['up'], {
        TMPDIR: scratch.path,
        LOG_LEVEL: 'debug',
      });
      try {
        const [, authUrl] = await up.line(/^auth-service: (http:\S+)$/);
        const [, backendUrl] = await up.line(/^backend-api: (http:\S+)$/);
        await up.line(/^ready/);
        // Dependencies first: backend-api's AUTH_URL is auth-service's URL.
        expect(up.stdout().split('\n').slice(0, 4)).toEqual([
          `auth-service: ${authUrl}`,
          `backend-api: ${backendUrl}`,
          `backend-events: ${backendUrl!.replace('http:', 'ws:')}/ws`,
          'ready; press Ctrl-C to stop',
        ]);
        // Without --states there is no state endpoint.
        const state = await fetch(`${backendUrl}/_pact/provider-states`, {
          method: 'POST',
          headers: json,
          body: '{}',
        });
        expect(state.status).toBe(404);
        const registered = await fetch(`${authUrl}/auth/register`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({
            email: 'bob@example.com',
            password: 'correct horse battery',
            name: 'Bob',
          }),
        });
        const { access_token } = (await registered.json()) as { access_token: string };
        const auth = { ...json, authorization: `Bearer ${access_token}` };
        const thread = (await (
          await fetch(`${backendUrl}/api/threads`, {
            method: 'POST',
            headers: auth,
            body: '{"title":"Sums"}',
          })
        ).json()) as { id: string };
        const run = (await (
          await fetch(`${backendUrl}/api/threads/${thread.id}/runs`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ agent_name: 'calculator', input: 'What is 6*7? [calc 6*7]' }),
          })
        ).json()) as { id: string };

        const events = runMeshpact(
          [
            'events',
            '--url',
            backendUrl!,
            '--thread',
            thread.id,
            '--run',
            run.id,
            '--after-seq',
            '0',
            '--until-completed',
          ],
          { MESHPACT_TOKEN: access_token },
        );
        expect(events.status).toBe(0);
        const frames = events.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string });
        expect(frames.map((f) => f.type)).toEqual([
          'connection_established',
          'subscribed',
          'agent_started',
          'agent_thinking',
          'tool_executing',
          'tool_completed',
          'agent_completed',
        ]);

        up.child.kill('SIGTERM');
        expect(await up.exited()).toBe(0);
        expect(readdirSync(scratch.path)).toEqual([]);
      } finally {
        up.child.kill('SIGKILL');
        scratch.remove();
      }
    }, 90_000);
  });

  describe('when stopped before everything is ready', () => {
    it('stops what it started and exits 130', async () => {
      const scratch = scratchTmpdir();
      const up = startMeshpact(['up'], { TMPDIR: scratch.path, LOG_LEVEL: 'warn' });
      try {
        // auth-service is up (its own line, on stderr), backend-api still starting.
        while (!/^auth-service \| auth-service listening/m.test(up.stderr()))
          await new Promise((resolve) => setTimeout(resolve, 20));
        up.child.kill('SIGINT');
        expect(await up.exited()).toBe(130);
        expect(up.stdout()).toMatch(/^SIGINT: stopped before every service was ready$/m);
        expect(up.stdout()).not.toMatch(/^ready/m);
        expect(readdirSync(scratch.path)).toEqual([]);
      } finally {
        up.child.kill('SIGKILL');
        scratch.remove();
      }
    }, 60_000);
  });

  describe('when the usage is wrong', () => {
    it('refuses a pacticipant the manifest cannot serve with exit 2', () => {
      const result = runMeshpact(['up', 'web-app']);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        'meshpact: unknown pacticipant "web-app"; choose from auth-service, backend-api, backend-events\n',
      );
    });
  });
});
