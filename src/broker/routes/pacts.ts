import { Router, type Request, type Response } from 'express';
import { MeshpactError, validationFailed } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { reads, writes } from '../access.js';
import { hrefsOf, param, requireProviderAndConsumer, type BrokerDeps } from '../context.js';
import type { BrokerEventSink } from '../events.js';
import { brokerDate, sendHal } from '../hal.js';
import { publishContracts } from '../publication.js';
import { findPacticipant } from '../store/pacticipants.js';
import {
  deletePublication,
  latestPact,
  latestPacts,
  pactBySha,
  pactOfVersion,
  type PactRow,
} from '../store/pacts.js';
import { pactOfVersionHref, pactView } from '../views.js';

/** Reading pacts: by consumer version, by content (SHA), the latest (of a tag or branch), and lists. */
export function pactRoutes(deps: BrokerDeps & { events: BrokerEventSink }): Router {
  const { db } = deps;
  const router = Router();

  const pair = (req: Request) => requireProviderAndConsumer(db, req);
  const send = (
    req: Request,
    res: Parameters<Parameters<typeof router.get>[1]>[1],
    pact: PactRow | undefined,
    selfHref?: string,
  ) => {
    if (!pact)
      throw new MeshpactError(
        'not_found',
        `no pact between ${param(req, 'consumer')} and ${param(req, 'provider')} matches`,
      );
    // A header holds Latin-1 only; a version number may be any Unicode (and Node throws on the rest).
    res.setHeader(
      'X-Pact-Consumer-Version',
      pact.consumer_version.replace(/[^\x20-\x7e]/gu, (c) => encodeURIComponent(c)),
    );
    sendHal(res, 200, pactView(hrefsOf(deps, req), pact, selfHref));
  };
  const base = '/pacts/provider/:provider/consumer/:consumer';

  // The legacy way to publish, one pact at a time: PUT replaces, PATCH merges.
  const legacyPublish = (merge: boolean) => async (req: Request, res: Response) => {
    const [providerName, consumerName, number] = ['provider', 'consumer', 'version'].map((name) =>
      param(req, name),
    ) as [string, string, string];
    if (req.body === undefined || typeof req.body !== 'object' || Array.isArray(req.body))
      throw validationFailed('request body', [
        { path: '/', message: 'must be a pact: a JSON object' },
      ]);
    const [consumer, provider] = await Promise.all([
      findPacticipant(db, consumerName),
      findPacticipant(db, providerName),
    ]);
    const existing =
      consumer && provider ? await pactOfVersion(db, provider.id, consumer.id, number) : undefined;
    try {
      await publishContracts(deps, {
        pacticipantName: consumerName,
        pacticipantVersionNumber: number,
        contracts: [
          {
            consumerName,
            providerName,
            specification: 'pact',
            contentType: 'application/json',
            content: Buffer.from(JSON.stringify(req.body)).toString('base64'),
            onConflict: merge ? 'merge' : 'overwrite',
          },
        ],
      });
    } catch (error) {
      // The Pact Broker's pact resource says why in `error`, one message, not `errors`.
      if (error instanceof MeshpactError && error.code === 'conflict')
        throw new MeshpactError('conflict', error.message, {
          cause: error,
          extensions: { error: error.message },
        });
      throw error;
    }
    const published = await pair(req);
    const pact = (await pactOfVersion(db, published.provider.id, published.consumer.id, number))!;
    sendHal(res, existing ? 200 : 201, pactView(hrefsOf(deps, req), pact));
  };

  router
    .route(`${base}/version/:version`)
    .get(reads, async (req, res) => {
      const { provider, consumer } = await pair(req);
      send(req, res, await pactOfVersion(db, provider.id, consumer.id, param(req, 'version')));
    })
    .put(writes, legacyPublish(false))
    .patch(writes, legacyPublish(true))
    .delete(writes, async (req, res) => {
      const { provider, consumer } = await pair(req);
      const pact = await pactOfVersion(db, provider.id, consumer.id, param(req, 'version'));
      if (!pact) throw new MeshpactError('not_found', 'no pact for that consumer version');
      await deletePublication(db, pact.publication_id);
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'PATCH', 'DELETE'));
  router.get(
    [`${base}/pact-version/:sha`, `${base}/pact-version/:sha/metadata/:metadata`],
    reads,
    async (req, res) => {
      const { provider, consumer } = await pair(req);
      const h = hrefsOf(deps, req);
      const sha = param(req, 'sha');
      const metadata = (req.params as { metadata?: string }).metadata;
      const self = `${h.path('pacts', 'provider', provider.name, 'consumer', consumer.name, 'pact-version', sha)}${metadata ? `/metadata/${encodeURIComponent(metadata)}` : ''}`;
      send(req, res, await pactBySha(db, provider.id, consumer.id, sha), self);
    },
  );
  router.get(`${base}/latest`, reads, async (req, res) => {
    const { provider, consumer } = await pair(req);
    send(req, res, await latestPact(db, provider.id, consumer.id));
  });
  router.get(`${base}/latest-untagged`, reads, async (req, res) => {
    const { provider, consumer } = await pair(req);
    send(req, res, await latestPact(db, provider.id, consumer.id, { untagged: true }));
  });
  router.get(`${base}/latest/:tag`, reads, async (req, res) => {
    const { provider, consumer } = await pair(req);
    send(req, res, await latestPact(db, provider.id, consumer.id, { tag: param(req, 'tag') }));
  });
  router.get(`${base}/branch/:branch/latest`, reads, async (req, res) => {
    const { provider, consumer } = await pair(req);
    send(
      req,
      res,
      await latestPact(db, provider.id, consumer.id, { branch: param(req, 'branch') }),
    );
  });

  // The Pact Broker's PactCollectionDecorator: `pacts[]` with their consumer and
  // provider embedded (each with a self link), and the latest pact of each integration linked.
  router.get('/pacts/latest', reads, async (req, res) => {
    const pacts = await latestPacts(db);
    const h = hrefsOf(deps, req);
    const latestHref = (pact: PactRow) =>
      h.path('pacts', 'provider', pact.provider_name, 'consumer', pact.consumer_name, 'latest');
    const latestLinks = pacts.map((pact) => ({
      href: latestHref(pact),
      title: `Latest pact between ${pact.consumer_name} and ${pact.provider_name}`,
    }));
    sendHal(res, 200, {
      pacts: pacts.map((pact) => ({
        createdAt: brokerDate(pact.created_at),
        _embedded: {
          consumer: {
            name: pact.consumer_name,
            _embedded: {
              version: {
                number: pact.consumer_version,
                _links: {
                  self: {
                    title: 'Version',
                    name: pact.consumer_version,
                    href: h.path(
                      'pacticipants',
                      pact.consumer_name,
                      'versions',
                      pact.consumer_version,
                    ),
                  },
                },
              },
            },
            _links: { self: { href: h.path('pacticipants', pact.consumer_name) } },
          },
          provider: {
            name: pact.provider_name,
            _links: { self: { href: h.path('pacticipants', pact.provider_name) } },
          },
        },
        _links: {
          self: [
            { href: latestHref(pact) },
            {
              href: pactOfVersionHref(
                h,
                pact.provider_name,
                pact.consumer_name,
                pact.consumer_version,
              ),
            },
          ],
        },
      })),
      _links: {
        self: { href: h.path('pacts', 'latest') },
        'pb:pacts': latestLinks,
        pacts: latestLinks.map((link) => ({
          ...link,
          name: 'DEPRECATED - please use the pb:pacts relation',
        })),
      },
    });
  });
  return router;
}
