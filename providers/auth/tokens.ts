import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';
import type pg from 'pg';
import type { Clock } from '../../src/runtime/clock.js';
import { withTransaction, type Queryable } from '../../src/runtime/db.js';
import type { Jwks } from '../../src/schemas/types.generated.js';
import { accessClaimsOf, type AccessClaims } from './claims.js';
import {
  insertSigningKey,
  publishableKeys,
  promoteNextSigningKey,
  type SigningKeyRow,
} from './store.js';

const ALG = 'ES256' as const;
/** How stale the keys may be when publishing the JWKS or signing; another process may have rotated. */
const MAX_AGE_MS = 1_000;
/** How often at most a token naming a kid we do not hold makes us re-read the keys. */
const UNKNOWN_KID_COOLDOWN_MS = 1_000;

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** Access-token lifetime in seconds; also how long a retired key stays published. */
  accessTokenTtl: number;
}

/**
 * The signing keys of auth-service, kept in Postgres so every auth process
 * signs with the same key and publishes the same JWKS.
 *
 * Rotation without downtime: the JWKS always carries the next key before it
 * signs anything, so verifiers that cache the JWKS already know it when the
 * first token signed with it arrives. `rotate()` makes that key the signer
 * and publishes a new next one; the old signer stays in the JWKS, and keeps
 * verifying, until the last token it signed has expired (retired_at + TTL).
 *
 * Several processes: a rotation is written to Postgres by one of them, and
 * the others learn of it there. Before publishing the JWKS or signing, keys
 * older than MAX_AGE_MS are re-read (one small query; only new keys are
 * imported). A token naming a kid we do not hold makes us re-read them too,
 * but at most once per cooldown (concurrent ones share that read), so a flood
 * of made-up kids costs one small query per second, not one per request. A
 * real kid is unknown only after two rotations by another process since our
 * last read (the next key is published before it signs), so the cooldown
 * delays such a token by a second at most.
 */
export class KeyRing {
  #keys: LoadedKey[] = [];
  /** performance.now() when the keys in #keys were read; the injected clock may stand still. */
  #readAt = -Infinity;
  #refreshing: Promise<void> | undefined;
  /** performance.now() of the last read for an unknown kid, and that read while it runs. */
  #kidReadAt = -Infinity;
  #kidRead: Promise<void> | undefined;
  readonly #kidCooldownMs: number;
  readonly #db: pg.Pool;
  readonly #clock: Clock;
  readonly #settings: TokenSettings;

  private constructor(db: pg.Pool, clock: Clock, settings: TokenSettings, kidCooldownMs: number) {
    this.#db = db;
    this.#clock = clock;
    this.#settings = settings;
    this.#kidCooldownMs = kidCooldownMs;
  }

  /**
   * Loads the published keys, creating the active and the next key when they
   * are missing. `unknownKidCooldownMs` (1 s) is there for tests.
   */
  static async load(
    db: pg.Pool,
    clock: Clock,
    settings: TokenSettings,
    options: { unknownKidCooldownMs?: number } = {},
  ): Promise<KeyRing> {
    const ring = new KeyRing(
      db,
      clock,
      settings,
      options.unknownKidCooldownMs ?? UNKNOWN_KID_COOLDOWN_MS,
    );
    await withTransaction(db, async (trx) => {
      // Two auth processes starting on an empty database must not both create keys.
      await trx.query("SELECT pg_advisory_xact_lock(hashtext('auth_signing_keys'))");
      const rows = await publishableKeys(trx, ring.#retiredCutoff());
      const live = rows.filter((row) => row.retired_at === null);
      if (!live.some((row) => row.activated_at !== null)) await ring.#createKey(trx, clock.now());
      if (!live.some((row) => row.activated_at === null)) await ring.#createKey(trx, null);
    });
    await ring.reload();
    return ring;
  }

  /** Re-reads the keys (another process may have rotated). */
  async reload(): Promise<void> {
    const startedAt = performance.now();
    const rows = await publishableKeys(this.#db, this.#retiredCutoff());
    const held = new Map(this.#keys.map((key) => [key.kid, key]));
    const keys = await Promise.all(
      rows.map(async (row) => {
        const key = held.get(row.kid);
        return key
          ? { ...key, activatedAt: row.activated_at, retiredAt: row.retired_at }
          : loadKey(row);
      }),
    );
    // Reads can overlap (a rotation during a refresh); the one started last wins.
    if (startedAt < this.#readAt) return;
    this.#keys = keys;
    this.#readAt = startedAt;
  }

  /** Makes the next key the signer, retires the old one and publishes a new next key; returns the new signer's kid. */
  async rotate(): Promise<string> {
    await withTransaction(this.#db, async (trx) => {
      await trx.query("SELECT pg_advisory_xact_lock(hashtext('auth_signing_keys'))");
      await promoteNextSigningKey(trx, this.#clock.now());
      await this.#createKey(trx, null);
    });
    await this.reload();
    return this.#signer().kid;
  }

  /** The public keys to publish at /.well-known/jwks.json. */
  async jwks(): Promise<Jwks> {
    await this.#fresh();
    const cutoff = this.#retiredCutoff();
    const published = this.#keys.filter((key) => key.retiredAt === null || key.retiredAt > cutoff);
    const keys = published.map(({ publicJwk, kid }) => ({
      kty: 'EC' as const,
      crv: 'P-256' as const,
      x: String(publicJwk.x),
      y: String(publicJwk.y),
      kid,
      alg: ALG,
      use: 'sig' as const,
    }));
    const [newest, ...older] = keys;
    if (!newest) throw new Error('auth-service has no signing key to publish');
    return { keys: [newest, ...older] };
  }

  /** Signs an access token for `claims`; returns the token and its `exp`. */
  async sign(claims: Pick<AccessClaims, 'sub' | 'tenant_id' | 'email' | 'scope' | 'sid'>) {
    await this.#fresh();
    const signer = this.#signer();
    const iat = Math.floor(this.#clock.now().getTime() / 1000);
    const exp = iat + this.#settings.accessTokenTtl;
    const token = await new SignJWT({
      tenant_id: claims.tenant_id,
      email: claims.email,
      scope: claims.scope,
      sid: claims.sid,
    })
      .setProtectedHeader({ alg: ALG, kid: signer.kid, typ: 'JWT' })
      .setIssuer(this.#settings.issuer)
      .setAudience(this.#settings.audience)
      .setSubject(claims.sub)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(signer.privateKey);
    return { token, exp };
  }

  /**
   * Verifies signature (one of our published keys, ES256 only), issuer,
   * audience and expiry against the injected clock; returns the claims or
   * undefined. Revocation is the caller's business.
   */
  async verify(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const held = () => this.#keys.find((k) => k.kid === header.kid);
          if (!held() && header.kid !== undefined) await this.#learn();
          const key = held();
          if (!key) throw new Error('unknown kid');
          return key.publicKey;
        },
        {
          algorithms: [ALG],
          issuer: this.#settings.issuer,
          audience: this.#settings.audience,
          currentDate: this.#clock.now(),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        },
      );
      return accessClaimsOf(payload);
    } catch {
      return undefined;
    }
  }

  /** Re-reads keys older than MAX_AGE_MS; concurrent callers share one read. */
  async #fresh(): Promise<void> {
    if (performance.now() - this.#readAt < MAX_AGE_MS) return;
    this.#refreshing ??= this.reload()
      // Keys a little stale beat no JWKS and no tokens while Postgres is away.
      .catch(() => undefined)
      .finally(() => (this.#refreshing = undefined));
    await this.#refreshing;
  }

  /** Re-reads the keys for a kid we do not hold, unless that was done within the cooldown. */
  async #learn(): Promise<void> {
    if (this.#kidRead) return this.#kidRead;
    if (performance.now() - this.#kidReadAt < this.#kidCooldownMs) return;
    this.#kidReadAt = performance.now();
    this.#kidRead = this.reload()
      .catch(() => undefined)
      .finally(() => (this.#kidRead = undefined));
    await this.#kidRead;
  }

  #signer(): LoadedKey {
    const signer = this.#keys.find((key) => key.activatedAt !== null && key.retiredAt === null);
    if (!signer) throw new Error('auth-service has no active signing key');
    return signer;
  }

  #retiredCutoff(): Date {
    return new Date(this.#clock.now().getTime() - this.#settings.accessTokenTtl * 1000);
  }

  async #createKey(db: Queryable, activatedAt: Date | null): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const kid = `${this.#clock.now().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    await insertSigningKey(db, {
      kid,
      private_jwk: await exportJWK(privateKey),
      public_jwk: await exportJWK(publicKey),
      created_at: this.#clock.now(),
      activated_at: activatedAt,
    });
    return kid;
  }
}

async function loadKey(row: SigningKeyRow): Promise<LoadedKey> {
  return {
    kid: row.kid,
    publicJwk: row.public_jwk,
    privateKey: (await importJWK(row.private_jwk, ALG)) as CryptoKey,
    publicKey: (await importJWK(row.public_jwk, ALG)) as CryptoKey,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
  };
}
