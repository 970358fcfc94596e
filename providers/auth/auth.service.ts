import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import type { Clock } from '../../src/runtime/clock.js';
import { retryAfterSeconds } from '../../src/runtime/rate-limit.js';
import { withTransaction, type Queryable } from '../../src/runtime/db.js';
import type {
  IntrospectionResponse,
  LoginRequest,
  RegisterRequest,
  TokenResponse,
  User,
} from '../../src/schemas/types.generated.js';
import { defaultScope, type AccessClaims } from './claims.js';
import type { AuthSettings } from './config.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import * as store from './store.js';
import type { KeyRing } from './tokens.js';

export interface AuthDeps {
  db: pg.Pool;
  keys: KeyRing;
  settings: AuthSettings;
  clock: Clock;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * What auth-service does, apart from HTTP. Every multi-step write runs in one
 * transaction; every failure is a MeshpactError with its stable code.
 */
export class AuthService {
  readonly #deps: AuthDeps;

  constructor(deps: AuthDeps) {
    this.#deps = deps;
  }

  /** A new account in a tenant of its own, and a first session. */
  async register(request: RegisterRequest): Promise<TokenResponse> {
    const { db, clock } = this.#deps;
    // Hash before looking at the email, so a taken email answers no faster than a new one.
    const passwordHash = await hashPassword(request.password);
    const row: store.UserRow = {
      id: randomUUID(),
      tenant_id: randomUUID(),
      email: request.email.trim(),
      name: request.name,
      password_hash: passwordHash,
      created_at: clock.now(),
    };
    return withTransaction(db, async (trx) => {
      if (!(await store.insertUser(trx, row))) {
        throw new MeshpactError('email_taken', 'an account with this email already exists');
      }
      return this.#startSession(trx, row);
    });
  }

  /**
   * The same answer for an unknown email and a wrong password, after the same
   * scrypt work. Failures are limited per email and address, the first line
   * (so one client guessing locks out that client only, not a shared proxy's
   * other users; `address` is the client's as the trusted proxies say), and
   * per email across all addresses, a higher bound, so guesses spread over
   * many addresses are limited too. An attempt is written as a failure before
   * its password is checked, so attempts in flight at once count against each
   * other; one refused by the limits is taken back and does not count.
   */
  async login(request: LoginRequest, address: string): Promise<TokenResponse> {
    const { db, clock, settings } = this.#deps;
    const email = request.email.trim();
    const now = clock.now();
    const since = new Date(now.getTime() - settings.loginWindow * 1000);
    const attempt = await store.recordFailure(db, email, address, now, since);
    const bound = Math.max(settings.loginMaxFailures, settings.loginMaxPerEmail);
    const others = (await store.recentFailures(db, email, since, bound + 1)).filter(
      (failure) => failure.id !== attempt,
    );
    const times = (failures: store.LoginFailure[]) => failures.map((f) => f.failed_at);
    const fromHere = others.filter((failure) => failure.address === address);
    const waits = [
      retryAfterSeconds(times(fromHere), settings.loginMaxFailures, settings.loginWindow, now),
      retryAfterSeconds(times(others), settings.loginMaxPerEmail, settings.loginWindow, now),
    ].filter((wait) => wait !== undefined);
    if (waits.length > 0) {
      await store.forgetFailure(db, attempt);
      const retryAfter = Math.max(...waits);
      throw new MeshpactError(
        'too_many_attempts',
        `too many failed logins; try again in ${retryAfter} s`,
        { extensions: { retry_after: retryAfter } },
      );
    }
    const user = await store.findUserByEmail(db, email);
    const matches = await verifyPassword(
      request.password,
      user?.password_hash ?? (await decoyHash()),
    );
    if (!user || !matches)
      throw new MeshpactError('invalid_credentials', 'wrong email or password');
    return withTransaction(db, async (trx) => {
      await store.clearFailures(trx, email, address);
      return this.#startSession(trx, user);
    });
  }

  /**
   * Rotation: the presented refresh token is spent and a new one of the same
   * family issued. A spent token presented again means two parties hold it,
   * so the whole family is revoked (RFC 6819 5.2.2.3, OAuth 2.1 4.3.1).
   */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const { db, clock } = this.#deps;
    const hash = sha256(refreshToken);
    const outcome = await withTransaction(db, async (trx) => {
      const now = clock.now();
      const token = await store.lockRefreshToken(trx, hash);
      if (!token || token.revoked_at !== null || token.expires_at <= now) return 'invalid' as const;
      if (token.spent_at !== null) {
        await store.revokeFamily(trx, token.family_id, now, 'refresh token reused');
        return 'reused' as const;
      }
      const user = await store.findUserById(trx, token.user_id);
      if (!user) return 'invalid' as const;
      await store.spendRefreshToken(trx, hash, now);
      return this.#issue(trx, user, token.family_id);
    });
    // The revocation above is committed before the caller hears about it.
    if (outcome === 'reused') {
      throw new MeshpactError(
        'refresh_token_reused',
        'this refresh token was already used; the session is revoked',
      );
    }
    if (outcome === 'invalid') {
      throw new MeshpactError(
        'invalid_refresh_token',
        'the refresh token is unknown, expired or revoked',
      );
    }
    return outcome;
  }

  /** Ends the session the access token belongs to: its refresh family is revoked. */
  async logout(claims: AccessClaims): Promise<void> {
    await store.revokeFamily(this.#deps.db, claims.sid, this.#deps.clock.now(), 'logout');
  }

  async me(claims: AccessClaims): Promise<User> {
    const user = await store.findUserById(this.#deps.db, claims.sub);
    if (!user) throw new MeshpactError('unauthorized', 'the user of this token no longer exists');
    return store.toUser(user);
  }

  /**
   * The claims of a valid access token whose session is still open, or
   * undefined. This is where revocation is seen, unlike local JWT checks.
   */
  async authenticate(token: string): Promise<AccessClaims | undefined> {
    const claims = await this.#deps.keys.verify(token);
    if (!claims) return undefined;
    return (await store.familyIsActive(this.#deps.db, claims.sid)) ? claims : undefined;
  }

  /** RFC 7662; anything but an active access token is `{active: false}`, without saying why. */
  async introspect(token: string): Promise<IntrospectionResponse> {
    return introspection(await this.authenticate(token));
  }

  /** `introspect` for each token, in order, with one query for all their sessions. */
  async introspectAll(tokens: string[]): Promise<IntrospectionResponse[]> {
    const claims = await Promise.all(tokens.map((token) => this.#deps.keys.verify(token)));
    const sessions = claims.flatMap((c) => (c ? [c.sid] : []));
    // sid is a uuid auth-service minted, in the lower case Postgres answers with.
    const active =
      sessions.length > 0 ? await store.activeFamilies(this.#deps.db, sessions) : new Set<string>();
    return claims.map((c) => introspection(c && active.has(c.sid) ? c : undefined));
  }

  /** Checks HTTP Basic service credentials in constant time. */
  isIntrospectionClient(name: string, secret: string): boolean {
    const expected = this.#deps.settings.introspectionClients.get(name);
    // Compare digests: equal lengths, and no early exit on the first differing byte.
    const given = sha256(secret);
    const wanted = sha256(expected ?? randomBytes(16).toString('hex'));
    return timingSafeEqual(given, wanted) && expected !== undefined;
  }

  async #startSession(trx: Queryable, user: store.UserRow): Promise<TokenResponse> {
    const familyId = randomUUID();
    await store.insertFamily(trx, {
      id: familyId,
      user_id: user.id,
      created_at: this.#deps.clock.now(),
    });
    return this.#issue(trx, user, familyId);
  }

  async #issue(trx: Queryable, user: store.UserRow, familyId: string): Promise<TokenResponse> {
    const { keys, clock, settings } = this.#deps;
    const now = clock.now();
    const refreshToken = randomBytes(32).toString('base64url');
    await store.insertRefreshToken(trx, {
      token_hash: sha256(refreshToken),
      family_id: familyId,
      issued_at: now,
      expires_at: new Date(now.getTime() + settings.refreshTokenTtl * 1000),
    });
    const { token } = await keys.sign({
      sub: user.id,
      tenant_id: user.tenant_id,
      email: user.email,
      scope: defaultScope,
      sid: familyId,
    });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: settings.accessTokenTtl,
      refresh_token: refreshToken,
      user: store.toUser(user),
    };
  }
}

function introspection(claims: AccessClaims | undefined): IntrospectionResponse {
  if (!claims) return { active: false };
  return {
    active: true,
    sub: claims.sub,
    tenant_id: claims.tenant_id,
    email: claims.email,
    scope: claims.scope,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
  };
}
