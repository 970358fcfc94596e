-- Accounts, signing keys, refresh-token families and failed logins of auth-service.

CREATE TABLE auth_users (
  id            uuid        PRIMARY KEY,
  tenant_id     uuid        NOT NULL,
  email         text        NOT NULL,
  name          text        NOT NULL,
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX auth_users_email_key ON auth_users (lower(email));

-- ES256 signing keys, each next (published, not yet signing), active (signing)
-- or retired (published until every token it signed has expired: retired_at + TTL).
-- Publishing the next key before it signs lets verifiers that cache the JWKS
-- know a key before they meet a token signed with it.
CREATE TABLE auth_signing_keys (
  kid          text        PRIMARY KEY,
  private_jwk  jsonb       NOT NULL,
  public_jwk   jsonb       NOT NULL,
  created_at   timestamptz NOT NULL,
  activated_at timestamptz,
  retired_at   timestamptz
);

-- One family per login: every refresh token issued by rotating from it.
-- Revoking the family (logout, reuse of a spent token) ends the session.
CREATE TABLE auth_refresh_families (
  id         uuid        PRIMARY KEY,
  user_id    uuid        NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text
);

-- Refresh tokens are stored as SHA-256 hashes: a database leak yields no usable token.
CREATE TABLE auth_refresh_tokens (
  token_hash  bytea       PRIMARY KEY,
  family_id   uuid        NOT NULL REFERENCES auth_refresh_families (id) ON DELETE CASCADE,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  spent_at    timestamptz
);
CREATE INDEX auth_refresh_tokens_family ON auth_refresh_tokens (family_id);

CREATE TABLE auth_login_failures (
  email      text        NOT NULL,
  address    text        NOT NULL,
  failed_at  timestamptz NOT NULL
);
CREATE INDEX auth_login_failures_key ON auth_login_failures (email, address, failed_at);
