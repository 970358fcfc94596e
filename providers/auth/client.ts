import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { CircuitBreaker } from '../../src/runtime/circuit-breaker.js';
import { GroupCommit } from '../../src/runtime/group-commit.js';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import { traceHeaders } from '../../src/runtime/trace-context.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import type { IntrospectionResponse } from '../../src/schemas/types.generated.js';
import { accessClaimsOf, type AccessClaims } from './claims.js';

// The client side of auth-service, for the services that accept its tokens
// (backend-api, the /ws gateway). It depends on no server code.

export type { AccessClaims };

export interface TokenVerifierOptions {
  /** e.g. `http://127.0.0.1:4001/.well-known/jwks.json` */
  jwksUrl: string | URL;
  issuer: string;
  audience: string;
  clock?: Clock;
  /** How long fetched keys count as fresh before they are fetched again; 10 minutes by default. */
  cacheMaxAgeMs?: number;
  /** How long one fetch of the key set may take; 2 s by default. */
  timeoutMs?: number;
  /** Stops fetching from an auth-service that keeps failing; one of its own by default. */
  breaker?: CircuitBreaker;
}

/** How long a call to auth-service may take unless told otherwise. */
export const AUTH_TIMEOUT_MS = 2_000;

const circuitOpen = () =>
  new MeshpactError(
    'auth_unavailable',
    'auth-service failed several times in a row; it is not asked again for a few seconds',
  );

export interface TokenVerifier {
  /**
   * The claims of a valid token, or a MeshpactError: `unauthorized` saying
   * what is wrong with the token, `auth_unavailable` when auth-service's keys
   * could not be fetched to check it.
   */
  verify(token: string): Promise<AccessClaims>;
  /** Whether auth-service's key set is at hand: cached and fresh, or fetched now. */
  keysAvailable(): Promise<boolean>;
}

/**
 * Checks access tokens locally against auth-service's JWKS: signature (ES256
 * only, so `alg: none` and HMAC confusion are refused), issuer, audience and
 * expiry. Keys are cached and fetched again when a token names an unknown
 * `kid`, which is how a rotated key is picked up; at most one such refetch
 * every 30 s, so forged kids cannot make us hammer auth-service.
 * Revocation is not visible here: ask `introspect` where it matters.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A dependency that hangs would cost every request a timeout: after a few
  // failed fetches in a row the breaker answers for it, and keys come from the
  // cache or not at all. Only a fetch that goes out tells anything about
  // auth-service: a key served from the cache, or a token naming a kid the
  // fetched set lacks, does not, so neither closes the breaker.
  const breaker = options.breaker ?? new CircuitBreaker({ clock: options.clock });
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: options.timeoutMs ?? AUTH_TIMEOUT_MS,
    [customFetch]: async (url, init) => {
      if (!breaker.allows()) throw circuitOpen();
      // Each fetch of the keys continues the trace of the request that needed them.
      for (const [name, value] of Object.entries(traceHeaders())) init.headers.set(name, value);
      try {
        const response = await fetch(url, init);
        if (response.ok) breaker.succeeded();
        else breaker.failed();
        return response;
      } catch (error) {
        breaker.failed();
        throw error;
      }
    },
  });
  const unavailable = (cause: unknown) =>
    new MeshpactError('auth_unavailable', "auth-service's signing keys could not be fetched", {
      cause,
    });
  // A key set that cannot be fetched (auth-service down, timing out, answering
  // garbage, or the breaker open) says nothing about the token. Keys fetched
  // before still verify the tokens they signed, so an outage of auth-service
  // does not lock out everyone once the cache is stale; a token they do not
  // know may be signed by a key rotated in meanwhile, so the caller should
  // retry rather than sign in again: 503, not 401. Only "no key for this kid"
  // from a fetched set is the token's fault.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (isTokensFault(error)) throw error;
      const stale = remote.jwks();
      if (!stale) throw unavailable(error);
      return createLocalJWKSet(stale)(header, token).catch(() => {
        throw unavailable(error);
      });
    }
  };
  const clock = options.clock ?? systemClock;
  return {
    async verify(token) {
      let claims: AccessClaims | undefined;
      try {
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ['ES256'],
          issuer: options.issuer,
          audience: options.audience,
          currentDate: clock.now(),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        claims = accessClaimsOf(payload);
      } catch (error) {
        if (error instanceof MeshpactError) throw error;
        throw new MeshpactError('unauthorized', `access token rejected: ${reason(error)}`, {
          cause: error,
        });
      }
      if (!claims) throw new MeshpactError('unauthorized', 'access token rejected: claims missing');
      return claims;
    },
    async keysAvailable() {
      if (remote.fresh) return true;
      return remote.reload().then(
        () => true,
        () => false,
      );
    },
  };
}

/** The key set was fetched and holds no single key for the token's kid: the token's fault, not auth-service's. */
const isTokensFault = (error: unknown) =>
  error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys;

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'signed with an unknown key';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return (error as Error).message;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    default:
      return code === undefined
        ? 'malformed'
        : code.toLowerCase().replace(/^err_/, '').replaceAll('_', ' ');
  }
}

export interface IntrospectionClientOptions {
  /** auth-service's base URL, e.g. `http://127.0.0.1:4001` */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** How long one introspection may take; 2 s by default. */
  timeoutMs?: number;
  /** Stops asking an auth-service that keeps failing; one of its own by default. */
  breaker?: CircuitBreaker;
  clock?: Clock;
}

export interface IntrospectionClient {
  /** RFC 7662: `{active: false}` for a revoked, expired or unknown token. */
  introspect(token: string): Promise<IntrospectionResponse>;
}

/** A batch's tokens at most: the batch request's `maxItems`. */
const BATCH_TOKENS = 100;
/** A batch request's body stays under auth-service's body limit (64 KiB). */
const BATCH_BYTES = 60 * 1024;
/** Batches in flight at once; questions asked meanwhile gather into the next. */
const BATCHES_IN_FLIGHT = 4;
/** The longest token auth-service is asked about: the requests' `maxLength`. */
const TOKEN_MAX_LENGTH = 8192;

interface Question {
  token: string;
  /** The trace of the request that asks, taken when it asks. */
  trace: Record<string, string>;
  /** When asked (ms): the timeout counts from there, waiting for a batch to go included. */
  askedAt: number;
  resolve: (answer: IntrospectionResponse) => void;
  reject: (error: unknown) => void;
}

/**
 * Asks auth-service whether tokens are still active (sees logout and
 * refresh-reuse revocation). A question asked alone goes to
 * `/auth/introspect`; questions asked together (a thousand users starting
 * runs at once) go to `/auth/introspect/batch`, up to 100 a batch and 4
 * batches at once (a batch of long tokens is sent as several requests, to
 * stay under the body limit), while the next ones gather: one round trip
 * and one query answer them all, where a request each made auth-service the
 * bottleneck and queued them past the timeout. Each question's timeout
 * counts from when it was asked, so waiting for a batch to go is part of it.
 * A failed request (no answer in time, an error status, or an answer that
 * breaks its schema) fails each of its questions and counts once against the
 * breaker. A batch carries the trace of its first question.
 */
export function createIntrospectionClient(
  options: IntrospectionClientOptions,
): IntrospectionClient {
  const credentials = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');
  const one = schemaRegistry().validator('auth/introspection-response');
  const many = schemaRegistry().validator('auth/introspection-batch-response');
  const timeoutMs = options.timeoutMs ?? AUTH_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const breaker = options.breaker ?? new CircuitBreaker({ clock });

  /** The answers to `questions`, in order; the first was asked first, so its deadline comes first. */
  const answersTo = (questions: [Question, ...Question[]]) =>
    breaker.run(async () => {
      const [first] = questions;
      const alone = questions.length === 1;
      const left = first.askedAt + timeoutMs - clock.now().getTime();
      if (left <= 0) throw new Error(`no introspection request could go within ${timeoutMs} ms`);
      // The timeout covers the body too: a server may send headers and then stall.
      const signal = AbortSignal.timeout(left);
      const response = await fetch(
        new URL(alone ? '/auth/introspect' : '/auth/introspect/batch', options.baseUrl),
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${credentials}`,
            'content-type': 'application/json',
            accept: 'application/json',
            ...first.trace,
          },
          body: JSON.stringify(
            alone ? { token: first.token } : { tokens: questions.map((q) => q.token) },
          ),
          signal,
        },
      );
      if (response.status !== 200) {
        throw new Error(`auth-service introspection answered ${response.status}`);
      }
      const body: unknown = await response.json();
      if (alone) return [one.assert(body, 'introspection response')];
      const { results } = many.assert(body, 'introspection batch response');
      if (results.length !== questions.length)
        throw new Error(`auth-service answered ${results.length} of ${questions.length} tokens`);
      return results;
    }, circuitOpen);

  const ask = async (questions: Question[]): Promise<void> => {
    const [first, ...rest] = questions;
    if (!first) return;
    try {
      const answers = await answersTo([first, ...rest]);
      questions.forEach((question, i) => question.resolve(answers[i]!));
    } catch (error) {
      for (const question of questions) question.reject(error);
    }
  };

  const batches = new GroupCommit<Question>(
    (questions) => Promise.all(underBodyLimit(questions).map(ask)).then(() => undefined),
    { concurrent: BATCHES_IN_FLIGHT, batchSize: BATCH_TOKENS },
  );
  return {
    introspect: (token) => {
      // No token auth-service issues is empty or this long; asking would fail a whole batch.
      if (token.length === 0 || token.length > TOKEN_MAX_LENGTH)
        return Promise.resolve({ active: false });
      return new Promise((resolve, reject) =>
        batches.add({
          token,
          trace: traceHeaders(),
          askedAt: clock.now().getTime(),
          resolve,
          reject,
        }),
      );
    },
  };
}

/** Splits a batch so that each request's body stays under BATCH_BYTES. */
function underBodyLimit(questions: Question[]): Question[][] {
  const requests: Question[][] = [];
  let current: Question[] = [];
  let bytes = 0;
  for (const question of questions) {
    const size = Buffer.byteLength(JSON.stringify(question.token)) + 1;
    if (current.length > 0 && bytes + size > BATCH_BYTES) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(question);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
