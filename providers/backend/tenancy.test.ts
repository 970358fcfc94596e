import { SignJWT, generateKeyPair } from 'jose';
import { ManualClock } from '../../src/runtime/clock.js';
import { expectProblem, request } from '../auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import {
  createThread,
  signUp,
  storedEvents,
  waitForRun,
  type User,
  startRun,
} from './test-support.js';

describe('backend-api tenancy and authentication', () => {
  const clock = new ManualClock(new Date());
  let mesh: MeshUnderTest;
  let alice: User;
  let bob: User;
  let aliceThread: string;
  let aliceRun: string;

  beforeAll(async () => {
    mesh = await startMeshForTest({ clock });
    [alice, bob] = await Promise.all([
      signUp(mesh, 'alice@example.com'),
      signUp(mesh, 'bob@example.com'),
    ]);
    aliceThread = await createThread(alice, 'zebra secrets');
    await alice.api.post(`/api/threads/${aliceThread}/messages`, {
      role: 'user',
      content: 'the zebra code is 1234',
    });
    aliceRun = await startRun(alice, aliceThread, '[think 1]');
    await waitForRun(alice, aliceRun);
  });
  afterAll(() => mesh.close());

  describe("when one tenant reaches for another's data", () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const strip = (body: Record<string, unknown>) => ({
      ...body,
      instance: undefined,
      trace_id: undefined,
      detail: undefined,
    });

    it.each([
      ['GET', '', undefined],
      ['PATCH', '', { title: 'x' }],
      ['DELETE', '', undefined],
      ['GET', '/messages', undefined],
      ['POST', '/messages', { role: 'user', content: 'x' }],
      ['GET', '/messages/00000000-0000-4000-8000-000000000000', undefined],
      ['POST', '/runs', { agent_name: 'calculator', input: 'x' }],
    ])('answers %s thread%s exactly as for a missing thread', async (method, suffix, body) => {
      const call = (id: string) =>
        request(mesh.backend.url, method, `/api/threads/${id}${suffix}`, {
          headers: { authorization: `Bearer ${bob.token}` },
          ...(body ? { body } : {}),
        });
      const theirs = await call(aliceThread);
      const nobodys = await call(missing);
      expectProblem(theirs, 404, 'thread_not_found');
      expect(strip(theirs.body)).toEqual(strip(nobodys.body));
    });

    it("hides another tenant's runs and events", async () => {
      expectProblem(await bob.api.get(`/api/runs/${aliceRun}`), 404, 'run_not_found');
      expectProblem(await bob.api.get(`/api/runs/${aliceRun}/events`), 404, 'run_not_found');
    });

    it("never lists or searches another tenant's threads", async () => {
      expect((await bob.api.get('/api/threads')).body.items).toEqual([]);
      const bobThread = await createThread(bob);
      const run = await startRun(bob, bobThread, '[search zebra]');
      await waitForRun(bob, run);
      const found = (await storedEvents(bob, run)).find((e) => e.type === 'tool_completed');
      expect(found).toMatchObject({ success: true, result: { hits: [] } });
      expect(await storedEvents(alice, aliceRun)).not.toEqual([]);
    });
  });

  describe('when the token is not good', () => {
    it('answers 401 without a token, with a challenge', async () => {
      const answer = await request(mesh.backend.url, 'GET', '/api/threads');
      expectProblem(answer, 401, 'unauthorized');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers 401 for a token signed by a forged key', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const claims = JSON.parse(
        Buffer.from(alice.token.split('.')[1]!, 'base64url').toString(),
      ) as Record<string, unknown>;
      const kid = (
        JSON.parse(Buffer.from(alice.token.split('.')[0]!, 'base64url').toString()) as {
          kid: string;
        }
      ).kid;
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid })
        .sign(privateKey);
      expectProblem(
        await request(mesh.backend.url, 'GET', '/api/threads', {
          headers: { authorization: `Bearer ${forged}` },
        }),
        401,
        'unauthorized',
      );
    });

    it('refuses writes at once after logout (they ask auth-service), while reads trust the token until it expires', async () => {
      const carol = await signUp(mesh, 'carol@example.com');
      await request(mesh.auth.url, 'POST', '/auth/logout', {
        headers: { authorization: `Bearer ${carol.token}` },
      });
      expect((await carol.api.get('/api/threads')).status).toBe(200);
      expectProblem(
        await carol.api.post('/api/threads', { title: 'after logout' }),
        401,
        'unauthorized',
      );
    });

    it('answers 401 once the token has expired', async () => {
      const dave = await signUp(mesh, 'dave@example.com');
      clock.advance(901);
      expectProblem(await dave.api.get('/api/threads'), 401, 'unauthorized');
    });
  });
});
