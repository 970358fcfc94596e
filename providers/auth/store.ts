import type { JWK } from 'jose';
import type { Queryable } from '../../src/runtime/db.js';
import type { User } from '../../src/schemas/types.generated.js';

// auth-service's repository: every function takes the Queryable first (a pool,
// or a transaction handed down), and rows stay snake_case until toUser.

export interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Date;
}

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, tenant_id: row.tenant_id };
}

/** Inserts the user unless the email (case-insensitive) is taken; returns whether it did. */
export async function insertUser(db: Queryable, user: UserRow): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO auth_users (id, tenant_id, email, name, password_hash, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT ((lower(email))) DO NOTHING`,
    [user.id, user.tenant_id, user.email, user.name, user.password_hash, user.created_at],
  );
  return rowCount === 1;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT * FROM auth_users WHERE lower(email) = lower($1)',
    [email],
  );
  return rows[0];
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM auth_users WHERE id = $1', [id]);
  return rows[0];
}

/**
 * Removes an account with its sessions and its failed-login record, e.g. to
 * set a provider state up from scratch. Returns the removed user, if any.
 */
export async function deleteAccount(db: Queryable, email: string): Promise<UserRow | undefined> {
  await db.query('DELETE FROM auth_login_failures WHERE email = lower($1)', [email]);
  const { rows } = await db.query<UserRow>(
    'DELETE FROM auth_users WHERE lower(email) = lower($1) RETURNING *',
    [email],
  );
  return rows[0];
}

// --- refresh-token families -------------------------------------------------

export async function insertFamily(
  db: Queryable,
  family: { id: string; user_id: string; created_at: Date },
) {
  await db.query(
    'INSERT INTO auth_refresh_families (id, user_id, created_at) VALUES ($1, $2, $3)',
    [family.id, family.user_id, family.created_at],
  );
}

export async function insertRefreshToken(
  db: Queryable,
  token: { token_hash: Buffer; family_id: string; issued_at: Date; expires_at: Date },
) {
  await db.query(
    'INSERT INTO auth_refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)',
    [token.token_hash, token.family_id, token.issued_at, token.expires_at],
  );
}

export interface RefreshTokenRow {
  token_hash: Buffer;
  family_id: string;
  expires_at: Date;
  spent_at: Date | null;
  revoked_at: Date | null;
  user_id: string;
}

/** The token and its family, locked until the transaction ends, so two refreshes of one token serialise. */
export async function lockRefreshToken(
  db: Queryable,
  tokenHash: Buffer,
): Promise<RefreshTokenRow | undefined> {
  const { rows } = await db.query<RefreshTokenRow>(
    `SELECT t.token_hash, t.family_id, t.expires_at, t.spent_at, f.revoked_at, f.user_id
       FROM auth_refresh_tokens t JOIN auth_refresh_families f ON f.id = t.family_id
      WHERE t.token_hash = $1
        FOR UPDATE`,
    [tokenHash],
  );
  return rows[0];
}

export async function spendRefreshToken(db: Queryable, tokenHash: Buffer, at: Date) {
  await db.query('UPDATE auth_refresh_tokens SET spent_at = $2 WHERE token_hash = $1', [
    tokenHash,
    at,
  ]);
}

export async function revokeFamily(db: Queryable, familyId: string, at: Date, reason: string) {
  await db.query(
    `UPDATE auth_refresh_families SET revoked_at = $2, revoked_reason = $3
      WHERE id = $1 AND revoked_at IS NULL`,
    [familyId, at, reason],
  );
}

/** True when the session (family) exists and was not revoked. */
export async function familyIsActive(db: Queryable, familyId: string): Promise<boolean> {
  const { rows } = await db.query(
    'SELECT 1 FROM auth_refresh_families WHERE id = $1 AND revoked_at IS NULL',
    [familyId],
  );
  return rows.length === 1;
}

/** Which of these families still stand: one query for a batch of introspections. */
export async function activeFamilies(db: Queryable, familyIds: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM auth_refresh_families WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL',
    [familyIds],
  );
  return new Set(rows.map((row) => row.id));
}

// --- failed logins ----------------------------------------------------------

export interface LoginFailure {
  id: string;
  address: string;
  failed_at: Date;
}

/**
 * Writes an attempt as failed before its password is checked (see
 * AuthService.login), and drops this email's failures older than `expired`.
 * Returns the attempt's id.
 */
export async function recordFailure(
  db: Queryable,
  email: string,
  address: string,
  at: Date,
  expired: Date,
): Promise<string> {
  await db.query('DELETE FROM auth_login_failures WHERE email = lower($1) AND failed_at <= $2', [
    email,
    expired,
  ]);
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO auth_login_failures (email, address, failed_at) VALUES (lower($1), $2, $3) RETURNING id',
    [email, address, at],
  );
  return rows[0]!.id;
}

/** The newest `limit` failures for this email since `since`, from every address, oldest first. */
export async function recentFailures(
  db: Queryable,
  email: string,
  since: Date,
  limit: number,
): Promise<LoginFailure[]> {
  const { rows } = await db.query<LoginFailure>(
    `SELECT id, address, failed_at FROM auth_login_failures
      WHERE email = lower($1) AND failed_at > $2
      ORDER BY failed_at DESC, id DESC LIMIT $3`,
    [email, since, limit],
  );
  return rows.reverse();
}

export async function forgetFailure(db: Queryable, id: string) {
  await db.query('DELETE FROM auth_login_failures WHERE id = $1', [id]);
}

export async function clearFailures(db: Queryable, email: string, address: string) {
  await db.query('DELETE FROM auth_login_failures WHERE email = lower($1) AND address = $2', [
    email,
    address,
  ]);
}

// --- signing keys -----------------------------------------------------------

export interface SigningKeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
}

/** Keys still worth publishing: the next and active ones, and retired ones newer than `retiredSince`. */
export async function publishableKeys(db: Queryable, retiredSince: Date): Promise<SigningKeyRow[]> {
  const { rows } = await db.query<SigningKeyRow>(
    `SELECT * FROM auth_signing_keys
      WHERE retired_at IS NULL OR retired_at > $1
      ORDER BY created_at DESC`,
    [retiredSince],
  );
  return rows;
}

export async function insertSigningKey(db: Queryable, key: Omit<SigningKeyRow, 'retired_at'>) {
  await db.query(
    'INSERT INTO auth_signing_keys (kid, private_jwk, public_jwk, created_at, activated_at) VALUES ($1, $2, $3, $4, $5)',
    [key.kid, key.private_jwk, key.public_jwk, key.created_at, key.activated_at],
  );
}

/** Rotation: the active key retires and the next one starts signing. */
export async function promoteNextSigningKey(db: Queryable, at: Date) {
  await db.query(
    'UPDATE auth_signing_keys SET retired_at = $1 WHERE activated_at IS NOT NULL AND retired_at IS NULL',
    [at],
  );
  await db.query('UPDATE auth_signing_keys SET activated_at = $1 WHERE activated_at IS NULL', [at]);
}
