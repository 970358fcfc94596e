import type { JWTPayload } from 'jose';

/** The claims of a meshpact access token (a JWT signed with ES256). */
export interface AccessClaims {
  iss: string;
  aud: string;
  /** The user id. */
  sub: string;
  tenant_id: string;
  email: string;
  /** Space-separated scopes. */
  scope: string;
  /** The session (refresh-token family) the token was issued in; logout revokes it. */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export const defaultScope = 'threads runs events';

/** The claims of a verified payload, or undefined when one is missing or of the wrong type. */
export function accessClaimsOf(payload: JWTPayload): AccessClaims | undefined {
  const { iss, aud, sub, jti, iat, exp } = payload;
  const { tenant_id, email, scope, sid } = payload as Record<string, unknown>;
  const strings = [iss, sub, jti, tenant_id, email, scope, sid];
  if (!strings.every((value) => typeof value === 'string')) return undefined;
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  const audience = Array.isArray(aud) ? aud[0] : aud;
  if (typeof audience !== 'string') return undefined;
  return {
    iss: iss as string,
    aud: audience,
    sub: sub as string,
    tenant_id: tenant_id as string,
    email: email as string,
    scope: scope as string,
    sid: sid as string,
    jti: jti as string,
    iat,
    exp,
  };
}
