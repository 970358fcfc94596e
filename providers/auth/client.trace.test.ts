import { createServer } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { listen, type Listening } from '../../src/runtime/listen.js';
import { inTrace } from '../../src/runtime/trace-context.js';
import { parseTraceparent, startSpan } from '../../src/runtime/traceparent.js';
import { createIntrospectionClient, createTokenVerifier } from './client.js';

// backend-api's calls to auth-service continue the trace of the request they
// serve: a server that records what it is sent stands in for auth-service.

describe('auth-service clients, when called in a trace', () => {
  let server: Listening;
  const sent: { path: string; traceparent: unknown }[] = [];
  let token: string;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    server = await listen(
      createServer((req, res) => {
        sent.push({ path: req.url ?? '', traceparent: req.headers.traceparent });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.url === '/auth/introspect' ? { active: false } : jwks));
      }),
    );
    const claims = {
      tenant_id: crypto.randomUUID(),
      email: 'a@example.com',
      scope: 'threads',
      sid: 's1',
    };
    token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(server.url)
      .setAudience('meshpact')
      .setSubject(crypto.randomUUID())
      .setJti('j1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  });
  afterAll(() => server.close());

  it('sends a traceparent of the same trace, with a span of its own, to the JWKS and introspection', async () => {
    const trace = startSpan();
    const verifier = createTokenVerifier({
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      issuer: server.url,
      audience: 'meshpact',
    });
    const introspection = createIntrospectionClient({
      baseUrl: server.url,
      clientId: 'backend-api',
      clientSecret: 'a-long-secret',
    });
    await inTrace(trace, async () => {
      await verifier.verify(token);
      await introspection.introspect(token);
    });
    expect(sent.map((request) => request.path)).toEqual([
      '/.well-known/jwks.json',
      '/auth/introspect',
    ]);
    for (const request of sent) {
      const parent = parseTraceparent(request.traceparent);
      expect(parent).toMatchObject({ traceId: trace.traceId, sampled: true });
      expect(parent?.spanId).not.toBe(trace.spanId);
    }
  });
});
