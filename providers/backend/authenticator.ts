import { MeshpactError } from '../../src/errors/meshpact-error.js';
import type { AccessClaims, IntrospectionClient, TokenVerifier } from '../auth/client.js';

export interface Authenticator {
  /**
   * The claims of a bearer token. Always checked locally against the JWKS;
   * with `revocation`, auth-service is also asked, so a logged-out session is
   * refused at once instead of when its token expires.
   */
  authenticate(token: string, options?: { revocation?: boolean }): Promise<AccessClaims>;
  /**
   * Asks auth-service whether the session of a token authenticated before (a
   * socket's) still stands: `unauthorized` when it ended or the token
   * expired, `auth_unavailable` when auth-service cannot be asked. The
   * signature is not checked again: the token is the one checked, and
   * auth-service checks it too before it answers `active`.
   */
  confirmActive(token: string): Promise<void>;
}

export function createAuthenticator(
  verifier: TokenVerifier,
  introspection: IntrospectionClient,
): Authenticator {
  const confirmActive = async (token: string) => {
    let active: boolean;
    try {
      active = (await introspection.introspect(token)).active;
    } catch (cause) {
      throw new MeshpactError('auth_unavailable', 'auth-service could not confirm the token', {
        cause,
      });
    }
    if (!active) throw new MeshpactError('unauthorized', 'the session of this token has ended');
  };
  return {
    async authenticate(token, options = {}) {
      const claims = await verifier.verify(token);
      if (options.revocation) await confirmActive(token);
      return claims;
    },
    confirmActive,
  };
}
