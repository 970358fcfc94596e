import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, importJWK, type JWK } from 'jose';
import * as authClient from '../../providers/auth/client.js';
import {
  ConsumerContract,
  match,
  mediaType,
  type ProviderState,
} from '../../src/contracts/consumer-contract.js';

const exercised = new Set<string>();
const createTokenVerifier: typeof authClient.createTokenVerifier = (options) => {
  exercised.add('createTokenVerifier');
  return authClient.createTokenVerifier(options);
};
const createIntrospectionClient: typeof authClient.createIntrospectionClient = (options) => {
  exercised.add('createIntrospectionClient');
  return authClient.createIntrospectionClient(options);
};

// backend-api -> auth-service, from the backend's real auth client (providers/auth/client.ts).
// Provider states (with params):
//   "auth-service publishes its signing keys"
//   "user alice@example.com is logged in"   {email, password, name} -> {access_token}
//   "backend-api has introspection credentials" -> {basic_credentials} (base64 of id:secret)
//   "a session was logged out"               {email, password, name} -> {access_token}

const contract = new ConsumerContract({ consumer: 'backend-api', provider: 'auth-service' });
const alice = {
  email: 'alice@example.com',
  password: 'correct horse battery',
  name: 'Alice Example',
};
const credentials = { clientId: 'backend-api', clientSecret: 'example-secret' };
const basic = match.fromProviderState(
  'Basic ${basic_credentials}',
  `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
);
// A fixed key, checked in: the JWKS example carries its public half, and a
// key generated per run would change the pact on every run (a broker refuses
// new content for a published consumer version, and fires content-changed
// webhooks). Test-only: it signs nothing but this test's token.
const signingKey = JSON.parse(
  readFileSync(join(import.meta.dirname, '__fixtures__/contract-signing-key.json'), 'utf8'),
) as Required<Pick<JWK, 'x' | 'y' | 'kid'>> & JWK;
const exampleToken = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
/** What auth-service says of alice's token while her session stands. */
const activeIntrospection = {
  active: true,
  sub: match.uuid('d9ae873f-f181-4496-a5c5-2ff0bfcda324'),
  tenant_id: match.uuid('c5906cf4-a819-4a84-8d7f-a8aca4ecaf0c'),
  email: alice.email,
  scope: match.string('threads runs events'),
  exp: match.integer(1795590851),
  iat: match.integer(1795589951),
  jti: match.uuid('68bcff8e-9076-4282-9db4-99a0f3ca51a8'),
};
const introspectionRequest = (description: string, states: ProviderState[]) => ({
  states,
  description,
  request: {
    method: 'POST' as const,
    path: '/auth/introspect',
    headers: { Authorization: basic, 'Content-Type': 'application/json' },
    body: { token: match.fromProviderState('${access_token}', exampleToken) },
  },
});

describe('backend-api -> auth-service contract', () => {
  it('fetches the JWKS and verifies a token signed with a key in it', async () => {
    const privateKey = await importJWK(signingKey, 'ES256');
    const claims = await contract.http(
      {
        states: ['auth-service publishes its signing keys'],
        description: 'a request for the JSON Web Key Set',
        request: { method: 'GET', path: '/.well-known/jwks.json' },
        response: {
          status: 200,
          headers: {
            'Content-Type': mediaType('application/json'),
          },
          body: {
            keys: match.eachLike({
              kty: 'EC',
              crv: 'P-256',
              x: match.string(signingKey.x),
              y: match.string(signingKey.y),
              kid: match.string(signingKey.kid),
              alg: 'ES256',
              use: 'sig',
            }),
          },
        },
      },
      async (baseUrl) => {
        const token = await new SignJWT({
          tenant_id: 'c5906cf4-a819-4a84-8d7f-a8aca4ecaf0c',
          email: alice.email,
          scope: 'threads',
          sid: 's1',
        })
          .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid })
          .setIssuer(baseUrl)
          .setAudience('meshpact')
          .setSubject('d9ae873f-f181-4496-a5c5-2ff0bfcda324')
          .setIssuedAt()
          .setExpirationTime('15m')
          .setJti('bfd9ac73-a987-4fe6-91db-a864cd7327b4')
          .sign(privateKey);
        const verifier = createTokenVerifier({
          jwksUrl: `${baseUrl}/.well-known/jwks.json`,
          issuer: baseUrl,
          audience: 'meshpact',
        });
        return verifier.verify(token);
      },
    );
    expect(claims.email).toBe(alice.email);
  });

  it('asks whether an access token is active', async () => {
    const answer = await contract.http(
      {
        ...introspectionRequest('an introspection of an active access token', [
          { name: 'user alice@example.com is logged in', params: alice },
          'backend-api has introspection credentials',
        ]),
        response: {
          status: 200,
          body: activeIntrospection,
        },
      },
      (baseUrl) => createIntrospectionClient({ baseUrl, ...credentials }).introspect(exampleToken),
    );
    expect(answer.active).toBe(true);
  });

  it('learns that a logged-out token is no longer active', async () => {
    const answer = await contract.http(
      {
        ...introspectionRequest('an introspection of a logged-out access token', [
          { name: 'a session was logged out', params: alice },
          'backend-api has introspection credentials',
        ]),
        response: { status: 200, body: { active: false } },
      },
      (baseUrl) => createIntrospectionClient({ baseUrl, ...credentials }).introspect(exampleToken),
    );
    expect(answer).toEqual({ active: false });
  });

  it('asks about several tokens in one request when they are asked about together', async () => {
    const answers = await contract.http(
      {
        states: [
          { name: 'user alice@example.com is logged in', params: alice },
          'backend-api has introspection credentials',
        ],
        description: 'an introspection of several tokens at once',
        request: {
          method: 'POST' as const,
          path: '/auth/introspect/batch',
          headers: { Authorization: basic, 'Content-Type': 'application/json' },
          body: {
            tokens: [match.fromProviderState('${access_token}', exampleToken), 'not-a-token'],
          },
        },
        response: {
          status: 200,
          body: {
            results: [activeIntrospection, { active: false }],
          },
        },
      },
      (baseUrl) => {
        const client = createIntrospectionClient({ baseUrl, ...credentials });
        return Promise.all([client.introspect(exampleToken), client.introspect('not-a-token')]);
      },
    );
    expect(answers.map((answer) => answer.active)).toEqual([true, false]);
  });

  it('covers every client the auth library offers the backend', () => {
    const offered = Object.entries(authClient)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name);
    expect(offered.filter((name) => !exercised.has(name))).toEqual([]);
  });
});
