import { iso8601, match, mediaType } from '../../src/contracts/consumer-contract.js';
import type { TokenResponse } from '../../src/schemas/types.generated.js';

// Example values shared by the web app's contract tests, and the matchers
// that keep contracts about shape and meaning rather than these exact values.

export const alice = {
  email: 'alice@example.com',
  password: 'correct horse battery',
  name: 'Alice Example',
};

export const ids = {
  user: 'd9ae873f-f181-4496-a5c5-2ff0bfcda324',
  tenant: 'c5906cf4-a819-4a84-8d7f-a8aca4ecaf0c',
  thread: '3c951ac6-7161-4649-9695-eeeebff9c1b8',
  run: 'bcfa52c6-dffc-4985-8f55-4bf317fa76fb',
  message: '863edae5-fb76-47b9-a483-e37cf82d715d',
};

export const exampleAccessToken =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjYtMDEtMDEtYWJjZCJ9.eyJzdWIiOiJkOWFlODczZiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
export const exampleRefreshToken = 'hpMqlEB1wbRkRX7uiMF9IUGtzUt3Nhxkskyp2igk-dk';

/** A session as the SDK keeps it, for tests that start signed in. */
export const exampleSession: TokenResponse = {
  access_token: exampleAccessToken,
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: exampleRefreshToken,
  user: { id: ids.user, email: alice.email, name: alice.name, tenant_id: ids.tenant },
};

/** The Authorization header with the token the provider state hands out at verification. */
export const bearerFromState = match.fromProviderState(
  'Bearer ${access_token}',
  `Bearer ${exampleAccessToken}`,
);

export const userBody = (email = alice.email, name = alice.name) => ({
  id: match.uuid(ids.user),
  email,
  name,
  tenant_id: match.uuid(ids.tenant),
});

export const tokenResponseBody = (email = alice.email, name = alice.name) => ({
  access_token: match.regex(
    '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    exampleAccessToken,
  ),
  token_type: 'Bearer',
  expires_in: match.integer(900),
  refresh_token: match.regex('^[A-Za-z0-9_-]{16,1024}$', exampleRefreshToken),
  user: userBody(email, name),
});

/** An RFC 9457 problem with this status and code; the rest is the provider's to word. */
export const problemBody = (status: number, code: string) => ({
  type: match.string(`https://meshpact.dev/problems/${code.replaceAll('_', '-')}`),
  title: match.string('what went wrong'),
  status,
  code,
});

export const problemHeaders = {
  'Content-Type': mediaType('application/problem+json'),
};
export const jsonHeaders = {
  'Content-Type': mediaType('application/json'),
};

export { iso8601, match };
