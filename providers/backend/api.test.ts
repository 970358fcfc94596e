import { expectProblem, expectSchema, request } from '../auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import {
  createThread,
  signUp,
  startRun,
  storedEvents,
  waitForRun,
  expectWellOrdered,
  type User,
} from './test-support.js';

describe('backend-api', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    alice = await signUp(mesh, 'alice@example.com');
  });
  afterAll(() => mesh.close());

  describe('threads', () => {
    it('are created, read, renamed and deleted', async () => {
      const created = await alice.api.post('/api/threads', {
        title: 'Plans',
        metadata: { color: 'blue' },
      });
      expect(created.status).toBe(201);
      expectSchema('backend/thread', created.body);
      expect(created.headers.get('location')).toBe(`/api/threads/${String(created.body.id)}`);
      const path = `/api/threads/${String(created.body.id)}`;
      expect((await alice.api.get(path)).body).toEqual(created.body);

      const renamed = await alice.api.patch(path, { title: 'Better plans' });
      expect(renamed.body).toMatchObject({ title: 'Better plans', metadata: { color: 'blue' } });
      expectProblem(await alice.api.patch(path, {}), 422, 'validation_failed');

      expect((await alice.api.delete(path)).status).toBe(204);
      expectProblem(await alice.api.get(path), 404, 'thread_not_found');
      expectProblem(await alice.api.delete(path), 404, 'thread_not_found');
    });

    it('are listed newest first, page by page, each exactly once', async () => {
      const lister = await signUp(mesh, 'lister@example.com');
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push(await createThread(lister, `Thread ${i}`));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await lister.api.get(
          `/api/threads?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expectSchema('backend/thread-page', page.body);
        seen.push(...(page.body.items as { id: string }[]).map((t) => t.id));
        cursor = page.body.next_cursor as string | null;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it.each(['limit=0', 'limit=101', 'limit=x'])('refuses a bad page query (%s)', async (query) => {
      expectProblem(await alice.api.get(`/api/threads?${query}`), 422, 'validation_failed');
    });

    // A leap second is a valid RFC 3339 instant that no Date (nor Postgres) holds.
    const leapSecond = Buffer.from(
      JSON.stringify(['2020-01-01T23:59:60Z', '3c951ac6-7161-4649-9695-eeeebff9c1b8']),
    ).toString('base64url');

    it.each([
      ['forged', 'forged'],
      ['a leap second', leapSecond],
    ])('refuses a cursor it did not hand out (%s)', async (_case, cursor) => {
      expectProblem(await alice.api.get(`/api/threads?cursor=${cursor}`), 400, 'invalid_cursor');
      const thread = await createThread(alice);
      expectProblem(
        await alice.api.get(`/api/threads/${thread}/messages?cursor=${cursor}`),
        400,
        'invalid_cursor',
      );
    });

    it('refuses an id that is not a uuid', async () => {
      expectProblem(await alice.api.get('/api/threads/not-a-uuid'), 422, 'validation_failed');
    });
  });

  describe('messages', () => {
    it('are posted and listed oldest first', async () => {
      const thread = await createThread(alice);
      for (const content of ['one', 'two', 'three']) {
        const posted = await alice.api.post(`/api/threads/${thread}/messages`, {
          role: 'user',
          content,
        });
        expect(posted.status).toBe(201);
        expectSchema('backend/message', posted.body);
      }
      const first = await alice.api.get(`/api/threads/${thread}/messages?limit=2`);
      const rest = await alice.api.get(
        `/api/threads/${thread}/messages?cursor=${String(first.body.next_cursor)}`,
      );
      const contents = [
        ...(first.body.items as { content: string }[]),
        ...(rest.body.items as { content: string }[]),
      ];
      expect(contents.map((m) => m.content)).toEqual(['one', 'two', 'three']);
      expect(rest.body.next_cursor).toBeNull();
    });

    it('answer 201 with a Location where the message can be read', async () => {
      const thread = await createThread(alice);
      const posted = await alice.api.post(`/api/threads/${thread}/messages`, {
        role: 'user',
        content: 'find me',
      });
      expect(posted.status).toBe(201);
      const location = posted.headers.get('location');
      expect(location).toBe(`/api/threads/${thread}/messages/${String(posted.body.id)}`);
      const read = await alice.api.get(location ?? '');
      expect(read.status).toBe(200);
      expect(read.body).toEqual(posted.body);

      const missing = '00000000-0000-4000-8000-000000000000';
      const other = await createThread(alice);
      expectProblem(
        await alice.api.get(`/api/threads/${thread}/messages/${missing}`),
        404,
        'message_not_found',
      );
      expectProblem(
        await alice.api.get(`/api/threads/${other}/messages/${String(posted.body.id)}`),
        404,
        'message_not_found',
      );
      expectProblem(
        await alice.api.get(`/api/threads/${thread}/messages/not-a-uuid`),
        422,
        'validation_failed',
      );
    });

    it('honour Idempotency-Key: a retry returns the first message, another body is a conflict', async () => {
      const thread = await createThread(alice);
      const key = { 'idempotency-key': 'msg-42' };
      const first = await alice.api.post(
        `/api/threads/${thread}/messages`,
        { role: 'user', content: 'hi' },
        key,
      );
      const retry = await alice.api.post(
        `/api/threads/${thread}/messages`,
        { role: 'user', content: 'hi' },
        key,
      );
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body.id).toBe(first.body.id);
      expect(retry.headers.get('location')).toBe(first.headers.get('location'));
      expect((await alice.api.get(`/api/threads/${thread}/messages`)).body.items).toHaveLength(1);

      const other = await alice.api.post(
        `/api/threads/${thread}/messages`,
        { role: 'user', content: 'bye' },
        key,
      );
      expectProblem(other, 409, 'idempotency_key_reused');
      const elsewhere = await createThread(alice);
      expect(
        (
          await alice.api.post(
            `/api/threads/${elsewhere}/messages`,
            { role: 'user', content: 'hi' },
            key,
          )
        ).status,
      ).toBe(201);
    });

    it('refuses a message that claims to be the assistant', async () => {
      const thread = await createThread(alice);
      expectProblem(
        await alice.api.post(`/api/threads/${thread}/messages`, {
          role: 'assistant',
          content: 'x',
        }),
        422,
        'validation_failed',
      );
    });
  });

  describe('runs', () => {
    it('are accepted with 202, run to the end, and replay their events in the designed order', async () => {
      const thread = await createThread(alice, 'Alpha numbers');
      const accepted = await alice.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'calculator',
        input: 'What is 6*7? [think 2] [calc 6*7] [search alpha]',
      });
      expect(accepted.status).toBe(202);
      expect(Object.keys(accepted.body).sort()).toEqual([
        'agent_name',
        'created_at',
        'id',
        'status',
        'thread_id',
      ]);
      expect(accepted.body.status).toBe('queued');
      const runId = String(accepted.body.id);
      expect(accepted.headers.get('location')).toBe(`/api/runs/${runId}`);

      expect((await waitForRun(alice, runId)).status).toBe('succeeded');
      const events = await storedEvents(alice, runId);
      events.forEach((event) => expectSchema('events/agent-event', event));
      expect(expectWellOrdered(events)).toEqual([
        'agent_started',
        'agent_thinking',
        'agent_thinking',
        'tool_executing',
        'tool_completed',
        'tool_executing',
        'tool_completed',
        'agent_completed',
      ]);
      const results = events
        .filter((e) => e.type === 'tool_completed')
        .map((e) => ('result' in e ? e.result : undefined));
      expect(results[0]).toEqual({ value: 42 });
      expect(results[1]).toEqual({
        hits: [expect.objectContaining({ thread_id: thread, title: 'Alpha numbers' })],
      });

      const messages = (await alice.api.get(`/api/threads/${thread}/messages`)).body
        .items as Record<string, unknown>[];
      expect(messages.at(-1)).toMatchObject({ role: 'assistant', run_id: runId });
    });

    it('complete after a failing tool, and fail on request', async () => {
      const thread = await createThread(alice);
      const failing = await alice.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'calculator',
        input: '[calc 1/0]',
      });
      expect((await waitForRun(alice, String(failing.body.id))).status).toBe('succeeded');
      const events = await storedEvents(alice, String(failing.body.id));
      expect(events.find((e) => e.type === 'tool_completed')).toMatchObject({
        success: false,
        error: { code: 'division_by_zero' },
      });
      expect(events.at(-1)?.type).toBe('agent_completed');

      const failed = await alice.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'calculator',
        input: 'give up [fail]',
      });
      expect((await waitForRun(alice, String(failed.body.id))).status).toBe('failed');
    });

    it('refuse an agent that does not exist with 404 agent_not_found', async () => {
      const thread = await createThread(alice);
      const refused = await alice.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'no-such-agent',
        input: '[calc 1+1]',
      });
      expectProblem(refused, 404, 'agent_not_found');
      expect(refused.headers.get('location')).toBeNull();
    });

    it('end with a failed tool call, not a broken runner, when the calculator is given deep input', async () => {
      const thread = await createThread(alice);
      const deep = `${'('.repeat(3_000)}1${')'.repeat(3_000)}`;
      const runId = await startRun(alice, thread, `[calc ${deep}]`);
      await waitForRun(alice, runId);
      const events = await storedEvents(alice, runId);
      expectWellOrdered(events);
      expect(events.find((e) => e.type === 'tool_completed')).toMatchObject({
        success: false,
        error: { code: 'expression_too_complex' },
      });
    });

    it('replay events after a seq, page by page', async () => {
      const thread = await createThread(alice);
      const run = await alice.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'calculator',
        input: '[think 5]',
      });
      const runId = String(run.body.id);
      await waitForRun(alice, runId);
      const page = await alice.api.get(`/api/runs/${runId}/events?after_seq=2&limit=3`);
      expectSchema('backend/run-event-page', page.body);
      expect((page.body.items as { seq: number }[]).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(page.body.next_after_seq).toBe(5);
      const last = await alice.api.get(`/api/runs/${runId}/events?after_seq=5`);
      expect((last.body.items as { seq: number }[]).map((e) => e.seq)).toEqual([6, 7]);
      expect(last.body.next_after_seq).toBeNull();
      const greatest = await alice.api.get(`/api/runs/${runId}/events?after_seq=${2 ** 31 - 1}`);
      expect(greatest.body.items).toEqual([]);
      for (const bad of ['-1', String(2 ** 31), '1.5', '1e3']) {
        expectProblem(
          await alice.api.get(`/api/runs/${runId}/events?after_seq=${bad}`),
          422,
          'validation_failed',
        );
      }
    });
  });

  describe('requests', () => {
    it.each([
      [
        'malformed JSON',
        { raw: '{"title": ', headers: { 'content-type': 'application/json' } },
        400,
        'malformed_json',
      ],
      [
        'over 64 KiB',
        { body: { title: 'x', metadata: { big: 'y'.repeat(70_000) } } },
        413,
        'payload_too_large',
      ],
      [
        'not JSON',
        { raw: 'title=x', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      [
        'with unknown fields',
        { body: { title: 'x', tenant_id: 'mine' } },
        422,
        'validation_failed',
      ],
    ])(
      'answer a body %s with a problem and create nothing',
      async (_case, options, status, code) => {
        const user = await signUp(mesh, `body-${status}-${code}@example.com`);
        const headers = {
          authorization: `Bearer ${user.token}`,
          ...(options as { headers?: Record<string, string> }).headers,
        };
        expectProblem(
          await request(mesh.backend.url, 'POST', '/api/threads', { ...options, headers }),
          status,
          code,
        );
        expect((await user.api.get('/api/threads')).body.items).toEqual([]);
      },
    );

    it.each([
      ['malformed JSON', { raw: '{"title": ', headers: { 'content-type': 'application/json' } }],
      ['over 64 KiB', { body: { title: 'x', metadata: { big: 'y'.repeat(70_000) } } }],
      ['not JSON', { raw: 'title=x', headers: { 'content-type': 'text/plain' } }],
    ])('answer 401, not a body problem, without a valid token (%s)', async (_case, options) => {
      const headers = (options as { headers?: Record<string, string> }).headers ?? {};
      for (const authorization of [undefined, 'Bearer not.a.token']) {
        const answer = await request(mesh.backend.url, 'POST', '/api/threads', {
          ...options,
          headers: authorization ? { ...headers, authorization } : headers,
        });
        expectProblem(answer, 401, 'unauthorized');
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      }
    });

    it('answer 405 with Allow, 404 for unknown paths, and are healthy', async () => {
      const put = await request(mesh.backend.url, 'PUT', '/api/threads', {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expectProblem(put, 405, 'method_not_allowed');
      expect(put.headers.get('allow')).toBe('GET, POST');
      expectProblem(await alice.api.get('/api/nothing'), 404, 'not_found');
      expect((await request(mesh.backend.url, 'GET', '/healthz')).status).toBe(200);
      expect((await request(mesh.backend.url, 'GET', '/readyz')).body).toEqual({
        status: 'ok',
        checks: { postgres: 'ok', auth_jwks: 'ok' },
      });
    });
  });
});
