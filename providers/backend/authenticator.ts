import { MeshpactError } from '../../src/errors/meshpact-error.js';
import type { AccessClaims, IntrospectionClient, TokenVerifier } from '../auth/client.js';

export interface Authenticator {
  /**
   * The claims of a bearer token. Always checked locally against the JWKS;
   * with `revocation`, auth-service is also asked, so a logged-out session is
   * refused at once instead of when its token expires.
   */
  authenticate(token: string, options?: { revocation?: boolean }): Promise<AccessClaims>;
}

export function createAuthenticator(
  verifier: TokenVerifier,
  introspection: IntrospectionClient,
): Authenticator {
  return {
    async authenticate(token, options = {}) {
      const claims = await verifier.verify(token);
      if (options.revocation) {
        let active: boolean;
        try {
          active = (await introspection.introspect(token)).active;
        } catch (cause) {
          throw new MeshpactError('auth_unavailable', 'auth-service could not confirm the token', {
            cause,
          });
        }
        if (!active) throw new MeshpactError('unauthorized', 'the session of this token has ended');
      }
      return claims;
    },
  };
}
