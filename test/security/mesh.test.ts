import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import { register } from '../../providers/auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from '../../providers/backend/testing.js';
import {
  apiFor,
  createThread,
  startRun,
  waitForRun,
} from '../../providers/backend/test-support.js';
import {
  allHttpCases,
  frameCases,
  frameMutationCase,
  frameMutations,
  hasInputs,
  mutationCase,
  mutations,
  socketCases,
  type FrameCase,
  type HttpCase,
} from './corpus.js';
import { checkProperty, propertyTimeout } from './fuzz.js';
import {
  ANSWER_TIMEOUT_MS,
  HttpProbe,
  SocketProbe,
  Store,
  formatFailures,
  send,
  type Settle,
} from './harness.js';
import { meshFixture, meshFrameFixture, type MeshState, type Tenant } from './mesh-fixture.js';
import { frameRoutes, openApiRoutes, routeKey } from './routes.js';

// The security corpus against auth-service, backend-api and its /ws gateway,
// all on one real Postgres: every route of the OpenAPI documents and every
// client frame of the AsyncAPI document. See docs/security.md.

const INTROSPECTION = { id: 'backend-api', secret: 'test-introspection-secret' };
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const ROUTE_TIMEOUT = 120_000;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function tenant(mesh: MeshUnderTest, email: string): Promise<Tenant> {
  const session = await register(mesh.auth.url, email);
  const user = {
    token: session.access_token,
    userId: session.user.id,
    tenantId: session.user.tenant_id,
    api: apiFor(mesh.backend.url, session.access_token),
  };
  const thread = await createThread(user, 'corpus thread');
  const message = await user.api.post(`/api/threads/${thread}/messages`, {
    role: 'user',
    content: 'hello',
  });
  const run = await startRun(user, thread, 'What is 2 + 2?');
  await waitForRun(user, run);
  return {
    token: session.access_token,
    refreshToken: session.refresh_token,
    thread,
    message: String(message.body.id),
    run,
  };
}

/** Access tokens auth-service must refuse, made from a real one. */
async function forge(token: string, otherTenant: string): Promise<MeshState['forgedTokens']> {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  const { privateKey } = await generateKeyPair('ES256');
  const unknownKey = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(token).kid ?? 'corpus' })
    .sign(privateKey);
  return {
    unknownKey,
    algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    tampered: `${header}.${b64({ ...claims, tenant_id: otherTenant })}.${signature}`,
  };
}

describe('security corpus: auth-service, backend-api and /ws', () => {
  let mesh: MeshUnderTest;
  let state: MeshState;
  let store: Store;
  let http: { auth: HttpProbe; backend: HttpProbe };
  let socket: SocketProbe;
  let bobBefore: unknown;
  const bobsView = async () => {
    const bob = apiFor(mesh.backend.url, state.bob.token);
    return Promise.all([
      bob.get(`/api/threads/${state.bob.thread}`),
      bob.get(`/api/threads/${state.bob.thread}/messages`),
      bob.get(`/api/runs/${state.bob.run}`),
      bob.get(`/api/runs/${state.bob.run}/events`),
    ]).then((answers) => answers.map((a) => ({ status: a.status, body: a.body })));
  };

  /** An accepted run must run: 202 and then `queued` forever is a lost input. */
  const settle: Settle = async (_c, answer) => {
    const runId =
      answer.frames?.find((f) => f.type === 'run_accepted')?.run_id ??
      (answer.status === 202 ? answer.json?.id : undefined);
    if (typeof runId !== 'string') return undefined;
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    let status = 'unknown';
    while (Date.now() < deadline) {
      const run = await send(mesh.backend.url, {
        method: 'GET',
        url: `/api/runs/${runId}`,
        headers: { authorization: `Bearer ${state.alice.token}` },
      });
      status = typeof run === 'string' ? run : String(run.json?.status);
      if (TERMINAL.includes(status)) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return `accepted run ${runId} still ${status} after ${ANSWER_TIMEOUT_MS / 1000} s`;
  };

  beforeAll(async () => {
    mesh = await startMeshForTest();
    const [alice, bob] = [
      await tenant(mesh, 'alice@corpus.test'),
      await tenant(mesh, 'bob@corpus.test'),
    ];
    const bobTenant = (
      JSON.parse(Buffer.from(bob.token.split('.')[1]!, 'base64url').toString()) as {
        tenant_id: string;
      }
    ).tenant_id;
    state = {
      alice,
      bob,
      introspection: INTROSPECTION,
      forgedTokens: await forge(alice.token, bobTenant),
    };
    // Failed logins are the limiter's own record, written on purpose.
    store = new Store(mesh.auth.postgres.connectionString, ['auth_login_failures']);
    http = {
      auth: new HttpProbe(mesh.auth.url, store),
      backend: new HttpProbe(mesh.backend.url, store, { settle }),
    };
    socket = new SocketProbe(mesh.backend.wsUrl, () => state.alice.token, store, settle);
    bobBefore = await bobsView();
  });
  afterAll(async () => {
    socket?.close();
    await store?.close();
    await mesh?.close();
  });

  const expectNoFailures = async (
    probe: () => HttpProbe | SocketProbe,
    cases: () => (HttpCase | FrameCase)[],
  ) => {
    const all = cases();
    const failures = await (
      probe() as { runAll(c: unknown[]): ReturnType<HttpProbe['runAll']> }
    ).runAll(all);
    if (failures.length > 0) throw new Error(formatFailures(failures, all.length));
  };

  for (const service of ['auth', 'backend'] as const) {
    describe(service === 'auth' ? 'auth-service' : 'backend-api', () => {
      for (const route of openApiRoutes(service)) {
        it(
          `${routeKey(route)} refuses the corpus`,
          async () => {
            await expectNoFailures(
              () => http[service],
              () => allHttpCases(route, meshFixture(state)),
            );
          },
          ROUTE_TIMEOUT,
        );
        if (hasInputs(route))
          it(
            `${routeKey(route)} refuses generated input`,
            async () => {
              const fx = meshFixture(state);
              await checkProperty(routeKey(route), mutations(route, fx), (m) =>
                http[service].run(mutationCase(route, fx, m)),
              );
            },
            propertyTimeout,
          );
      }
    });
  }

  describe('/ws', () => {
    it(
      'refuses frames that are no client frame, and stays open',
      async () => {
        await expectNoFailures(() => socket, socketCases);
      },
      ROUTE_TIMEOUT,
    );
    for (const route of frameRoutes()) {
      it(
        `${route.type} refuses the corpus`,
        async () => {
          await expectNoFailures(
            () => socket,
            () => frameCases(route, meshFrameFixture(state)),
          );
        },
        ROUTE_TIMEOUT,
      );
      it(
        `${route.type} refuses generated frames`,
        async () => {
          await checkProperty(`ws ${route.type}`, frameMutations(route), (m) =>
            socket.run(frameMutationCase(route, m)),
          );
        },
        propertyTimeout,
      );
    }

    it('refuses start_run on a socket whose session logged out', async () => {
      const carol = await tenant(mesh, 'carol@corpus.test');
      const own = new SocketProbe(mesh.backend.wsUrl, () => carol.token, store, settle);
      try {
        await own.open();
        const logout = await fetch(`${mesh.auth.url}/auth/logout`, {
          method: 'POST',
          headers: { authorization: `Bearer ${carol.token}` },
        });
        expect(logout.status).toBe(204);
        const frame = {
          type: 'start_run',
          request_id: 'after-logout',
          thread_id: carol.thread,
          agent_name: 'calculator',
          input: 'What is 1 + 1?',
        };
        // Refused with an error frame, or the socket closed with 4401 as for an expired token.
        const failure = await own.run({
          route: 'ws start_run',
          name: 'after logout',
          expect: 'refused',
          data: JSON.stringify(frame),
        });
        if (failure && !/closed the socket \((4401|4403)\)/.test(failure.problem))
          throw new Error(formatFailures([failure], 1));
      } finally {
        own.close();
      }
    });
  });

  it("leaves another tenant's thread, messages and run as they were, read through its own API", async () => {
    expect(await bobsView()).toEqual(bobBefore);
  });

  it('keeps every service up', async () => {
    for (const url of [mesh.auth.url, mesh.backend.url])
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const ws = new WebSocket(mesh.backend.wsUrl, ['meshpact.v1', `bearer.${state.alice.token}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
  });
});
