import { Router } from 'express';
import { methodNotAllowed } from '../../http/problems.js';
import { validBody } from '../../http/schema-io.js';
import type { PublishContractsRequest } from '../../schemas/types.generated.js';
import { writes } from '../access.js';
import { hrefsOf, type BrokerDeps } from '../context.js';
import type { BrokerEventSink } from '../events.js';
import { sendHal } from '../hal.js';
import { publishContracts } from '../publication.js';
import { pactOfVersionHref } from '../views.js';

/** POST /contracts/publish: how the pact-broker CLI publishes. */
export function publishRoutes(deps: BrokerDeps & { events: BrokerEventSink }): Router {
  const router = Router();
  router
    .route('/contracts/publish')
    .post(writes, validBody('broker/publish-contracts-request'), async (req, res) => {
      const body = req.body as PublishContractsRequest;
      const published = await publishContracts(deps, body);
      const h = hrefsOf(deps, req);
      const { pacticipant, version } = published;
      const pacticipantLink = {
        title: 'Pacticipant',
        name: pacticipant.name,
        href: h.path('pacticipants', pacticipant.name),
      };
      const versionLink = {
        title: 'Pacticipant version',
        name: version.number,
        href: h.path('pacticipants', pacticipant.name, 'versions', version.number),
      };
      const contracts = published.contracts.map((contract) => ({
        title: 'Pact',
        name: `Pact between ${pacticipant.name} (${version.number}) and ${contract.provider}`,
        href: pactOfVersionHref(h, contract.provider, pacticipant.name, version.number),
      }));
      const notices = [
        ...published.notices,
        ...contracts.map((contract) => ({
          type: 'debug' as const,
          text: `  View the published pact at ${contract.href}`,
        })),
      ];
      sendHal(res, 200, {
        notices,
        logs: notices.map((notice) => ({
          level: notice.type,
          message: notice.text,
          deprecationWarning: 'Replaced by notices',
        })),
        _embedded: {
          pacticipant: { name: pacticipant.name, _links: { self: { href: pacticipantLink.href } } },
          version: { number: version.number, _links: { self: versionLink } },
        },
        _links: {
          'pb:pacticipant': pacticipantLink,
          'pb:pacticipant-version': versionLink,
          'pb:pacticipant-version-tags': published.tags.map((tag) => ({
            title: 'Tag',
            name: tag,
            href: `${versionLink.href}/tags/${encodeURIComponent(tag)}`,
          })),
          'pb:contracts': contracts,
        },
      });
    })
    .all(methodNotAllowed('POST'));
  return router;
}
