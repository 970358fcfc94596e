import pg from 'pg';
import { bearer, expectProblem, issueLines, request } from '../auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { createThread, signUp, TestSocket, type User } from './test-support.js';

// Text Postgres cannot keep as sent (NUL, lone surrogates) and nesting past 64
// levels are refused at the edge, over HTTP and on /ws, naming the field; a
// URL that is not percent-encoded UTF-8 is 400. Nothing is written.

const NUL = 'contains NUL (U+0000), which cannot be stored';
const SURROGATE = 'is not well-formed Unicode (it has a lone surrogate, e.g. \\ud800)';

describe('backend-api, given text it cannot store', () => {
  let mesh: MeshUnderTest;
  let db: pg.Pool;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    db = new pg.Pool({ connectionString: mesh.auth.postgres.connectionString, max: 1 });
  });
  afterAll(async () => {
    await db.end();
    await mesh.close();
  });

  const runsOf = async (threadId: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM backend_runs WHERE thread_id = $1',
          [threadId],
        )
      ).rows[0]!.n,
    );

  describe('in a request body', () => {
    let user: User;
    beforeAll(async () => {
      user = await signUp(mesh, 'bodies@example.com');
    });

    it.each([
      ['NUL in the title', { title: 'a\u0000b' }, [`/title ${NUL}`]],
      ['NUL in metadata', { title: 't', metadata: { a: 'x\u0000' } }, [`/metadata/a ${NUL}`]],
      [
        'NUL in a metadata key',
        { title: 't', metadata: { 'k\u0000': 1 } },
        [`/metadata has a key that ${NUL}`],
      ],
      [
        'a lone surrogate in metadata',
        { title: 't', metadata: { a: ['\ud800'] } },
        [`/metadata/a/0 ${SURROGATE}`],
      ],
      ['a lone surrogate in the title', { title: 'a\udc00' }, [`/title ${SURROGATE}`]],
    ])('refuses a thread with %s, and makes none', async (_what, body, issues) => {
      const answer = await user.api.post('/api/threads', body);
      expectProblem(answer, 422, 'validation_failed');
      expect(issueLines(answer.body)).toEqual(issues);
      expect((await user.api.get('/api/threads')).body.items).toEqual([]);
    });

    it('refuses metadata nested 10,000 deep, at the 65th level', async () => {
      const metadata = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
      const answer = await request(mesh.backend.url, 'POST', '/api/threads', {
        raw: `{"title": "t", "metadata": ${metadata}}`,
        headers: { ...bearer(user.token), 'content-type': 'application/json' },
      });
      expectProblem(answer, 422, 'validation_failed');
      expect(issueLines(answer.body)).toEqual([
        `/metadata${'/a'.repeat(63)} nests deeper than 64 levels of arrays and objects`,
      ]);
      expect((await user.api.get('/api/threads')).body.items).toEqual([]);
    });

    it('refuses such a rename, and keeps the thread as it was', async () => {
      const thread = await createThread(user, 'Kept');
      const answer = await user.api.patch(`/api/threads/${thread}`, { metadata: { a: '\ud800' } });
      expectProblem(answer, 422, 'validation_failed');
      expect((await user.api.get(`/api/threads/${thread}`)).body).toMatchObject({
        title: 'Kept',
        metadata: {},
      });
    });

    it.each([
      ['NUL', 'hello\u0000', NUL],
      ['a lone surrogate', 'hello\ud83d', SURROGATE],
    ])('refuses a message with %s, and posts none', async (_what, content, issue) => {
      const thread = await createThread(user);
      const answer = await user.api.post(`/api/threads/${thread}/messages`, {
        role: 'user',
        content,
      });
      expectProblem(answer, 422, 'validation_failed');
      expect(issueLines(answer.body)).toEqual([`/content ${issue}`]);
      expect((await user.api.get(`/api/threads/${thread}/messages`)).body.items).toEqual([]);
    });

    it.each([
      ['NUL', 'Sum [calc 1+1]\u0000', NUL],
      ['a lone surrogate', 'Sum [calc 1+1] \ud800', SURROGATE],
    ])('refuses a run whose input has %s, and queues none', async (_what, input, issue) => {
      const thread = await createThread(user);
      const answer = await user.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'calculator',
        input,
      });
      expectProblem(answer, 422, 'validation_failed');
      expect(issueLines(answer.body)).toEqual([`/input ${issue}`]);
      expect(await runsOf(thread)).toBe(0);
    });
  });

  describe('in the URL', () => {
    let user: User;
    beforeAll(async () => {
      user = await signUp(mesh, 'urls@example.com');
    });

    it.each([
      '/api/threads/%ED%A0%80',
      '/api/threads/%C0%80/messages',
      '/api/runs/%FF/events',
      '/api/threads?cursor=%ED%A0%80',
    ])('answers %s, which is not percent-encoded UTF-8, with 400 problem+json', async (path) => {
      const answer = await user.api.get(path);
      expectProblem(answer, 400, 'malformed_url');
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('refuses NUL in a path or query value with 422 naming it', async () => {
      const inPath = await user.api.get('/api/threads/%00');
      expectProblem(inPath, 422, 'validation_failed');
      expect(issueLines(inPath.body)).toEqual(['/thread_id must match format "uuid"']);
      const inQuery = await user.api.post('/api/threads?source=a%00', { title: 'Never made' });
      expectProblem(inQuery, 422, 'validation_failed');
      expect(issueLines(inQuery.body)).toEqual([`/source ${NUL}`]);
      expect((await user.api.get('/api/threads')).body.items).toEqual([]);
    });
  });

  describe('on /ws', () => {
    let user: User;
    let socket: TestSocket;
    beforeAll(async () => {
      user = await signUp(mesh, 'frames@example.com');
      socket = await TestSocket.open(mesh.backend.wsUrl, user.token);
    });
    afterAll(() => socket.close());

    const answerTo = async (frame: string | object, requestId: string) => {
      const from = socket.frames.length;
      socket.send(frame);
      const answer = await socket.next((f) => f.type === 'error', from);
      // The socket stays open and keeps answering.
      socket.send({ type: 'ping', id: requestId });
      await socket.next((f) => f.type === 'pong' && f.id === requestId, from);
      return answer;
    };

    it.each([
      ['NUL', 'Sum [calc 1+1]\u0000', NUL],
      ['a lone surrogate', 'Sum \ud800 [calc 1+1]', SURROGATE],
    ])(
      'answers start_run with %s in its input with validation_failed, and queues no run',
      async (_what, input, issue) => {
        const thread = await createThread(user);
        const requestId = `req-${thread}`;
        const frame = {
          type: 'start_run',
          request_id: requestId,
          thread_id: thread,
          agent_name: 'calculator',
          input,
        };
        expect(await answerTo(frame, requestId)).toEqual({
          type: 'error',
          code: 'validation_failed',
          message: `/input ${issue}`,
          request_id: requestId,
        });
        expect(await runsOf(thread)).toBe(0);
      },
    );

    it('answers a frame nested 10,000 deep with validation_failed', async () => {
      const text = `{"type": "ping", "id": "deep", "extra": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
      expect(await answerTo(text, 'after-deep')).toEqual({
        type: 'error',
        code: 'validation_failed',
        message: `/extra${'/0'.repeat(63)} nests deeper than 64 levels of arrays and objects`,
      });
    });

    it('does not echo a request_id it could not store', async () => {
      const thread = await createThread(user);
      const frame = {
        type: 'start_run',
        request_id: 'id\u0000',
        thread_id: thread,
        agent_name: 'calculator',
        input: 'x',
      };
      expect(await answerTo(frame, 'after-bad-id')).toEqual({
        type: 'error',
        code: 'validation_failed',
        message: `/request_id ${NUL}`,
      });
    });
  });
});
