import { schemaRegistry } from '../../src/schemas/registry.js';
import type { Fixture, FrameFixture } from './corpus.js';
import { sqlTexts } from './hostile.js';
import { routeKey, type Auth, type HttpRoute, type Param } from './routes.js';

// What auth-service and backend-api hold when the corpus runs: two tenants,
// each with a thread, a message and a finished run, and the credentials the
// corpus forges. The same shapes with made-up values count the cases.

export interface Tenant {
  token: string;
  refreshToken: string;
  thread: string;
  message: string;
  run: string;
}

export interface MeshState {
  alice: Tenant;
  bob: Tenant;
  introspection: { id: string; secret: string };
  /** Access tokens that must be refused: signed by a key auth-service never had, unsigned, re-signed claims. */
  forgedTokens: { unknownKey: string; algNone: string; tampered: string };
}

export const missingId = '00000000-0000-4000-8000-000000000000';

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const firstExample = (name: string) =>
  schemaRegistry().files.find((f) => f.name === name)?.schema.examples?.[0];

export function meshFixture(state: MeshState): Fixture {
  const { alice, bob } = state;
  const ids: Record<string, (t: Tenant) => string> = {
    thread_id: (t) => t.thread,
    message_id: (t) => t.message,
    run_id: (t) => t.run,
  };
  return {
    value: (_route: HttpRoute, param: Param) =>
      param.in === 'path' ? (ids[param.name]?.(alice) ?? 'x') : undefined,
    foreign: (_route, param) => ids[param.name]?.(bob),
    body(route) {
      if (routeKey(route) === 'POST /auth/introspect') return { token: alice.token };
      if (routeKey(route) === 'POST /auth/introspect/batch') return { tokens: [alice.token] };
      return firstExample(route.bodyName ?? '');
    },
    credentials(auth: Auth) {
      if (auth === 'bearer') return bearer(alice.token);
      if (auth === 'basic') return basic(state.introspection.id, state.introspection.secret);
      return {};
    },
    forged(auth: Auth): { name: string; headers: Record<string, string> }[] {
      const { forgedTokens: forged } = state;
      if (auth === 'bearer')
        return [
          { name: 'none', headers: {} },
          { name: 'empty Bearer', headers: { authorization: 'Bearer ' } },
          {
            name: 'Basic instead',
            headers: basic(state.introspection.id, state.introspection.secret),
          },
          { name: 'not a JWT', headers: bearer('a.b.c') },
          { name: 'alg none', headers: bearer(forged.algNone) },
          { name: 'unknown key', headers: bearer(forged.unknownKey) },
          { name: "claims changed to another tenant's", headers: bearer(forged.tampered) },
          { name: 'refresh token as access token', headers: bearer(alice.refreshToken) },
          { name: 'SQL', headers: bearer(String(sqlTexts[0]!.value)) },
          { name: '10,000 chars', headers: bearer('e'.repeat(10_000)) },
          {
            name: 'lower-case scheme, two tokens',
            headers: { authorization: `bearer ${alice.token} ${bob.token}` },
          },
        ];
      if (auth === 'basic')
        return [
          { name: 'none', headers: {} },
          { name: 'wrong secret', headers: basic(state.introspection.id, 'wrong-secret') },
          { name: 'unknown client', headers: basic('corpus-client', state.introspection.secret) },
          { name: 'a user token instead', headers: bearer(alice.token) },
          { name: 'not base64', headers: { authorization: 'Basic !!!' } },
          {
            name: 'no colon',
            headers: { authorization: `Basic ${Buffer.from('backend-api').toString('base64')}` },
          },
          {
            name: 'SQL client id',
            headers: basic(String(sqlTexts[0]!.value), state.introspection.secret),
          },
        ];
      return [];
    },
  };
}

export function meshFrameFixture(state: MeshState): FrameFixture {
  const { alice, bob } = state;
  const frames: Record<string, Record<string, unknown>> = {
    subscribe: { type: 'subscribe', thread_id: alice.thread, run_id: alice.run, after_seq: 0 },
    unsubscribe: { type: 'unsubscribe', thread_id: alice.thread },
    start_run: {
      type: 'start_run',
      request_id: 'corpus-run',
      thread_id: alice.thread,
      agent_name: 'calculator',
      input: 'What is 2 + 3?',
    },
    ping: { type: 'ping', id: 'corpus-ping' },
  };
  return {
    frame: (type) => frames[type]!,
    foreign(type) {
      if (type === 'subscribe')
        return [
          { field: 'thread_id', foreign: bob.thread, missing: missingId },
          { field: 'run_id', foreign: bob.run, missing: missingId },
        ];
      if (type === 'start_run')
        return [{ field: 'thread_id', foreign: bob.thread, missing: missingId }];
      return [];
    },
  };
}

/** Made-up values of the same shapes, for counting cases without services. */
export function placeholderMeshState(): MeshState {
  const tenant = (n: string): Tenant => ({
    token: `token-${n}`,
    refreshToken: `refresh-${n}`,
    thread: `${n}0000000-0000-4000-8000-000000000001`,
    message: `${n}0000000-0000-4000-8000-000000000002`,
    run: `${n}0000000-0000-4000-8000-000000000003`,
  });
  return {
    alice: tenant('a'),
    bob: tenant('b'),
    introspection: { id: 'backend-api', secret: 'secret' },
    forgedTokens: { unknownKey: 'u.u.u', algNone: 'n.n.', tampered: 't.t.t' },
  };
}
