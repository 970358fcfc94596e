import { loadMesh } from '../../src/contracts/mesh.js';
import { verifyHttpProvider } from '../../src/verify/http.js';
import type { VerificationReport } from '../../src/verify/results.js';
import { startProvider, type ProviderUnderVerification } from '../../src/verify/services.js';
import { editJson, startBreakingProxy, type Breaks } from '../support/breaking-proxy.js';
import { pactFilesOf } from './pacts.js';

// Each test breaks a real HTTP provider on purpose (a test-only proxy in front
// of it) and shows that verification fails, pointing at the break.

const mesh = loadMesh();

async function verifyBroken(
  provider: ProviderUnderVerification,
  breaks: Breaks,
): Promise<VerificationReport> {
  const proxy = await startBreakingProxy({ url: provider.url }, breaks);
  try {
    return await verifyHttpProvider({
      provider: provider.provider,
      providerBaseUrl: proxy.url,
      source: { files: pactFilesOf(mesh, provider.provider) },
      consumers: mesh.contracts
        .filter((pair) => pair.provider === provider.provider)
        .map((pair) => pair.consumer),
      statesUrl: provider.statesUrl,
    });
  } finally {
    await proxy.close();
  }
}

const outcome = (report: VerificationReport, description: string) => {
  const found = report.interactions.find((i) => i.description === description);
  if (!found) throw new Error(`no interaction "${description}" in the report`);
  return { success: found.success, mismatches: found.mismatches.join('\n') };
};

describe('verification of a broken HTTP provider', () => {
  describe('auth-service', () => {
    let auth: ProviderUnderVerification;
    beforeAll(async () => {
      auth = await startProvider(mesh, 'auth-service');
    });
    afterAll(() => auth.close());

    it('fails when a response field is renamed, naming the field', async () => {
      const report = await verifyBroken(auth, {
        response: (request, answer) =>
          request.path === '/auth/login'
            ? editJson(answer, (body) => {
                const { access_token, ...rest } = body as Record<string, unknown>;
                return { ...rest, accessToken: access_token };
              })
            : answer,
      });

      expect(report.success).toBe(false);
      const login = outcome(report, 'a login with the right password');
      expect(login.success).toBe(false);
      expect(login.mismatches).toMatch(/access_token/);
      expect(outcome(report, 'a registration of a new user').success).toBe(true);
    }, 120_000);
  });

  describe('backend-api', () => {
    let backend: ProviderUnderVerification;
    beforeAll(async () => {
      backend = await startProvider(mesh, 'backend-api');
    });
    afterAll(() => backend.close());

    it('fails when a status code changes, saying which', async () => {
      const report = await verifyBroken(backend, {
        response: (request, answer) =>
          request.method === 'POST' && request.path === '/api/threads' && answer.status === 201
            ? { ...answer, status: 200 }
            : answer,
      });

      expect(report.success).toBe(false);
      const create = outcome(report, 'a request to create a thread');
      expect(create.success).toBe(false);
      expect(create.mismatches).toMatch(/expected 201 but was 200/);
      expect(outcome(report, 'a request for a thread').success).toBe(true);
    }, 120_000);

    it('fails when messages come newest first, naming the list', async () => {
      const report = await verifyBroken(backend, {
        response: (request, answer) =>
          request.method === 'GET' && /^\/api\/threads\/[^/]+\/messages/.test(request.path)
            ? editJson(answer, (body) => {
                const page = body as { items: unknown[] };
                return { ...page, items: [...page.items].reverse() };
              })
            : answer,
      });

      expect(report.success).toBe(false);
      const list = outcome(report, 'a request for the messages of a thread, oldest first');
      expect(list.success).toBe(false);
      expect(list.mismatches).toMatch(
        /\$\.items\[0\]\.content -> Expected 'three' .* to be equal to 'one'/,
      );
      expect(outcome(report, 'a request for a thread').success).toBe(true);
    }, 120_000);

    it('fails when the provider wants its token in a different header', async () => {
      const report = await verifyBroken(backend, {
        // The provider now reads X-Api-Token, so an Authorization header goes unseen.
        request: ({ headers }) => {
          const wanted = headers['x-api-token'];
          delete headers.authorization;
          if (typeof wanted === 'string') headers.authorization = `Bearer ${wanted}`;
        },
      });

      expect(report.success).toBe(false);
      const read = outcome(report, 'a request for a thread');
      expect(read.success).toBe(false);
      expect(read.mismatches).toMatch(/expected 200 but was 401/);
      // Refusing a bad token still looks the same to the consumer.
      expect(outcome(report, 'a request for threads with a bad token').success).toBe(true);
    }, 120_000);
  });
});
