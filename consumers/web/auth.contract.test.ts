import { ConsumerContract } from '../../src/contracts/consumer-contract.js';
import { AuthClient } from './auth.js';
import {
  alice,
  bearerFromState,
  exampleRefreshToken,
  exampleSession,
  jsonHeaders,
  match,
  problemBody,
  problemHeaders,
  tokenResponseBody,
  userBody,
} from './contract-examples.js';
import { ApiError } from './http.js';

// web-app -> auth-service, from AuthClient's real calls.
// Provider states (with params):
//   "no account exists for an email"   {email}
//   "user alice@example.com exists"     {email, password, name}
//   "user alice@example.com is logged in" {email, password, name} -> {access_token, refresh_token}
//   "a refresh token was already used"  {email, password, name} -> {refresh_token}

const contract = new ConsumerContract({ consumer: 'web-app', provider: 'auth-service' });
const exercised = new Set<string>();
const loggedIn = { name: 'user alice@example.com is logged in', params: alice };
const client = (baseUrl: string, signedIn = false) =>
  new AuthClient({ baseUrl, ...(signedIn ? { session: exampleSession } : {}) });

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('web-app -> auth-service contract', () => {
  it('registers a new user', async () => {
    exercised.add('register');
    const session = await contract.http(
      {
        states: [{ name: 'no account exists for an email', params: { email: 'new@example.com' } }],
        description: 'a registration of a new user',
        request: {
          method: 'POST',
          path: '/auth/register',
          headers: { 'Content-Type': 'application/json' },
          body: { email: 'new@example.com', password: alice.password, name: 'New User' },
        },
        response: {
          status: 201,
          headers: jsonHeaders,
          body: tokenResponseBody('new@example.com', 'New User'),
        },
      },
      (baseUrl) =>
        client(baseUrl).register({
          email: 'new@example.com',
          password: alice.password,
          name: 'New User',
        }),
    );
    expect(session.user.email).toBe('new@example.com');
  });

  it('is told a taken email is taken', async () => {
    const error = await contract.http(
      {
        states: [{ name: 'user alice@example.com exists', params: alice }],
        description: 'a registration with a taken email',
        request: { method: 'POST', path: '/auth/register', body: alice },
        response: { status: 409, headers: problemHeaders, body: problemBody(409, 'email_taken') },
      },
      (baseUrl) => rejection(client(baseUrl).register(alice)),
    );
    expect(error.code).toBe('email_taken');
  });

  it('is told a short password does not fit', async () => {
    const error = await contract.http(
      {
        description: 'a registration with a short password',
        request: { method: 'POST', path: '/auth/register', body: { ...alice, password: 'short' } },
        response: {
          status: 422,
          headers: problemHeaders,
          body: {
            ...problemBody(422, 'validation_failed'),
            errors: match.eachLike({
              path: '/password',
              message: match.string('must NOT have fewer than 12 characters'),
            }),
          },
        },
      },
      (baseUrl) => rejection(client(baseUrl).register({ ...alice, password: 'short' })),
    );
    expect(error.problem?.errors?.[0]?.path).toBe('/password');
  });

  it('logs in', async () => {
    exercised.add('login');
    const session = await contract.http(
      {
        states: [{ name: 'user alice@example.com exists', params: alice }],
        description: 'a login with the right password',
        request: {
          method: 'POST',
          path: '/auth/login',
          body: { email: alice.email, password: alice.password },
        },
        response: { status: 200, headers: jsonHeaders, body: tokenResponseBody() },
      },
      (baseUrl) => client(baseUrl).login({ email: alice.email, password: alice.password }),
    );
    expect(session.token_type).toBe('Bearer');
  });

  it('is refused with invalid_credentials for a wrong password', async () => {
    const error = await contract.http(
      {
        states: [{ name: 'user alice@example.com exists', params: alice }],
        description: 'a login with a wrong password',
        request: {
          method: 'POST',
          path: '/auth/login',
          body: { email: alice.email, password: 'not the password' },
        },
        response: {
          status: 401,
          headers: problemHeaders,
          body: problemBody(401, 'invalid_credentials'),
        },
      },
      (baseUrl) =>
        rejection(client(baseUrl).login({ email: alice.email, password: 'not the password' })),
    );
    expect(error.code).toBe('invalid_credentials');
  });

  it('refreshes its tokens', async () => {
    exercised.add('refresh');
    const renewed = await contract.http(
      {
        states: [loggedIn],
        description: 'a refresh with a fresh refresh token',
        request: {
          method: 'POST',
          path: '/auth/refresh',
          body: { refresh_token: match.fromProviderState('${refresh_token}', exampleRefreshToken) },
        },
        response: { status: 200, headers: jsonHeaders, body: tokenResponseBody() },
      },
      (baseUrl) => client(baseUrl, true).refresh(),
    );
    expect(renewed.refresh_token).toBeTruthy();
  });

  it('is told when a refresh token is reused', async () => {
    const error = await contract.http(
      {
        states: [{ name: 'a refresh token was already used', params: alice }],
        description: 'a refresh with a spent refresh token',
        request: {
          method: 'POST',
          path: '/auth/refresh',
          body: { refresh_token: match.fromProviderState('${refresh_token}', exampleRefreshToken) },
        },
        response: {
          status: 401,
          headers: problemHeaders,
          body: problemBody(401, 'refresh_token_reused'),
        },
      },
      (baseUrl) => rejection(client(baseUrl, true).refresh()),
    );
    expect(error.code).toBe('refresh_token_reused');
  });

  it('reads the signed-in user', async () => {
    exercised.add('me');
    const user = await contract.http(
      {
        states: [loggedIn],
        description: 'a request for the signed-in user',
        request: { method: 'GET', path: '/auth/me', headers: { Authorization: bearerFromState } },
        response: { status: 200, headers: jsonHeaders, body: userBody() },
      },
      (baseUrl) => client(baseUrl, true).me(),
    );
    expect(user.email).toBe(alice.email);
  });

  it('is refused without a valid token', async () => {
    const error = await contract.http(
      {
        description: 'a request for the signed-in user with a bad token',
        request: {
          method: 'GET',
          path: '/auth/me',
          headers: { Authorization: 'Bearer not-a-token' },
        },
        response: { status: 401, headers: problemHeaders, body: problemBody(401, 'unauthorized') },
      },
      (baseUrl) =>
        rejection(
          new AuthClient({
            baseUrl,
            session: { ...exampleSession, access_token: 'not-a-token', refresh_token: '' },
          }).me(),
        ),
    );
    expect(error.code).toBe('unauthorized');
  });

  it('logs out', async () => {
    exercised.add('logout');
    await contract.http(
      {
        states: [loggedIn],
        description: 'a logout',
        request: {
          method: 'POST',
          path: '/auth/logout',
          headers: { Authorization: bearerFromState },
        },
        response: { status: 204 },
      },
      async (baseUrl) => {
        const auth = client(baseUrl, true);
        await auth.logout();
        expect(auth.session).toBeUndefined();
      },
    );
  });

  it('covers every public method of AuthClient', () => {
    const methods = Object.getOwnPropertyNames(AuthClient.prototype).filter(
      (name) => name !== 'constructor' && name !== 'session' && name !== 'authorized',
    );
    expect(methods.filter((name) => !exercised.has(name))).toEqual([]);
  });
});
