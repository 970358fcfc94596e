import { Router, type Request } from 'express';
import { methodNotAllowed } from '../../http/problems.js';
import { validBody } from '../../http/schema-io.js';
import type { PactsForVerificationRequest } from '../../schemas/types.generated.js';
import { reads } from '../access.js';
import { hrefsOf, param, requirePacticipant, type BrokerDeps } from '../context.js';
import { pactsForVerification } from '../for-verification.js';
import { sendHal } from '../hal.js';
import { encodeMetadata } from '../metadata.js';

/** The pacts a provider build should verify (the Verifier's first call). */
export function forVerificationRoutes(deps: BrokerDeps): Router {
  const { db } = deps;
  const router = Router();

  const answer = async (req: Request, request: PactsForVerificationRequest) => {
    const provider = await requirePacticipant(db, param(req, 'provider'));
    const pacts = await pactsForVerification(db, provider, request);
    const h = hrefsOf(deps, req);
    const self = h.path('pacts', 'provider', provider.name, 'for-verification');
    const includePending = request.includePendingStatus ?? true;
    return {
      _embedded: {
        pacts: pacts.map((pact) => ({
          shortDescription: pact.labels.join(', '),
          verificationProperties: {
            ...(includePending ? { pending: pact.pending ?? false } : {}),
            ...(pact.wip ? { wip: true } : {}),
            notices: pact.notices,
          },
          _links: {
            self: {
              href: `${h.path('pacts', 'provider', provider.name, 'consumer', pact.consumer_name, 'pact-version', pact.sha)}/metadata/${encodeMetadata(
                {
                  cv: [pact.consumer_version],
                  ...(includePending ? { pending: pact.pending ?? false } : {}),
                  ...(pact.wip ? { wip: true } : {}),
                },
              )}`,
              name: `Pact between ${pact.consumer_name} (${pact.consumer_version}) and ${provider.name}`,
            },
          },
        })),
      },
      _links: { self: { href: self, title: 'Pacts to be verified' } },
    };
  };

  router
    .route('/pacts/provider/:provider/for-verification')
    // Deprecated, but the Verifier GETs it first to learn where to POST.
    .get(reads, async (req, res) => sendHal(res, 200, await answer(req, {})))
    // Asking which pacts to verify changes nothing: the one POST a read-only token may make.
    .post(reads, validBody('broker/pacts-for-verification-request'), async (req, res) =>
      sendHal(res, 200, await answer(req, req.body as PactsForVerificationRequest)),
    )
    .all(methodNotAllowed('GET', 'POST'));
  return router;
}
