import { ManualClock } from '../../src/runtime/clock.js';
import { expectProblem, password, request } from '../auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { apiFor, createThread, signUp, type Api } from './test-support.js';

const DAY = 24 * 60 * 60;

describe('Idempotency-Key on POST /api/threads/{id}/messages', () => {
  const clock = new ManualClock(new Date());
  let mesh: MeshUnderTest;
  beforeAll(async () => {
    mesh = await startMeshForTest({ clock });
  });
  afterAll(() => mesh.close());

  /** Access tokens last 15 minutes of the same clock: log in again after moving it. */
  const loggedIn = async (email: string): Promise<Api> => {
    const login = await request(mesh.auth.url, 'POST', '/auth/login', {
      body: { email, password },
    });
    return apiFor(mesh.backend.url, String(login.body.access_token));
  };

  describe('when 24 hours have passed since the key was used', () => {
    it('creates a new message instead of replaying (or refusing) the first', async () => {
      const email = 'expiry@example.com';
      const thread = await createThread(await signUp(mesh, email));
      const key = { 'idempotency-key': 'msg-1' };
      const post = (api: Api, content: string) =>
        api.post(`/api/threads/${thread}/messages`, { role: 'user', content }, key);

      const first = await post(await loggedIn(email), 'hello');
      expect(first.status).toBe(201);

      clock.advance(DAY - 1);
      let api = await loggedIn(email);
      const retry = await post(api, 'hello');
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body.id).toBe(first.body.id);
      expectProblem(await post(api, 'changed'), 409, 'idempotency_key_reused');

      clock.advance(1);
      api = await loggedIn(email);
      const later = await post(api, 'changed');
      expect(later.status).toBe(201);
      expect(later.headers.get('idempotent-replayed')).toBeNull();
      expect(later.body.id).not.toBe(first.body.id);
      const again = await post(api, 'changed');
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(later.body.id);

      const listed = (await api.get(`/api/threads/${thread}/messages`)).body.items as {
        content: string;
      }[];
      expect(listed.map((m) => m.content)).toEqual(['hello', 'changed']);
    });
  });
});
