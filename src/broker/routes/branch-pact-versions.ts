import { Router, type Request } from 'express';
import { methodNotAllowed } from '../../http/problems.js';
import { reads, writes } from '../access.js';
import { hrefsOf, param, requireProviderAndConsumer, type BrokerDeps } from '../context.js';
import { brokerDate, sendHal, type Hrefs } from '../hal.js';
import {
  deletePactsOnConsumerBranch,
  latestPact,
  pactsOnConsumerBranch,
  type ConsumerBranchScope,
  type PactRow,
} from '../store/pacts.js';
import { pactOfVersionHref } from '../views.js';

/** `dd/mm/yyyy`, as the Pact Broker names a pact in a list (in UTC here; it uses its server's zone). */
const day = (date: Date) => date.toISOString().slice(0, 10).split('-').reverse().join('/');

/** The Pact Broker's PactVersionsDecorator: the pacts embedded with their consumer version, and linked. */
function pactVersionsView(
  h: Hrefs,
  selfHref: string,
  provider: string,
  consumer: string,
  pacts: PactRow[],
) {
  const pactHref = (pact: PactRow) =>
    pactOfVersionHref(h, provider, consumer, pact.consumer_version);
  return {
    _embedded: {
      pacts: pacts.map((pact) => ({
        createdAt: brokerDate(pact.created_at),
        _embedded: {
          consumerVersion: {
            number: pact.consumer_version,
            _links: {
              self: {
                title: 'Version',
                name: pact.consumer_version,
                href: h.path('pacticipants', consumer, 'versions', pact.consumer_version),
              },
            },
          },
        },
        _links: {
          self: {
            href: pactHref(pact),
            title: `Pact between ${consumer} (${pact.consumer_version}) and ${provider}`,
          },
        },
      })),
    },
    _links: {
      self: {
        href: selfHref,
        title: `All versions of the pact between ${consumer} and ${provider}`,
      },
      consumer: { href: h.path('pacticipants', consumer), title: 'Consumer', name: consumer },
      provider: { href: h.path('pacticipants', provider), title: 'Provider', name: provider },
      'pact-versions': pacts.map((pact) => ({
        href: pactHref(pact),
        title: 'Pact',
        name: `Version ${pact.consumer_version} - ${day(pact.created_at)}`,
      })),
    },
  };
}

/**
 * The pacts of one consumer branch with a provider (the Pact Broker's
 * PactVersionsForBranch): every version's on the branch, or the branch
 * head's, of a named branch or the consumer's main branch. The index links
 * them as pb:branch-pact-versions and friends. DELETE removes exactly what
 * GET lists; the Pact Broker's removes every pact between the two on the
 * main-branch paths and the whole branch's on the latest ones.
 */
export function branchPactVersionRoutes(deps: BrokerDeps): Router {
  const { db } = deps;
  const router = Router();
  const base = '/pacts/provider/:provider/consumer/:consumer/branch';
  // `branch/versions` is the main branch's list, not a branch named "versions": before `:branch`, as in the Pact Broker's routes.
  const lists: [string, (req: Request) => ConsumerBranchScope][] = [
    ['/versions', () => ({})],
    ['/latest/versions', () => ({ latest: true })],
    ['/:branch', (req) => ({ branch: param(req, 'branch') })],
    ['/:branch/latest/versions', (req) => ({ branch: param(req, 'branch'), latest: true })],
  ];
  for (const [path, scopeOf] of lists)
    router
      .route(`${base}${path}`)
      .get(reads, async (req, res) => {
        const { provider, consumer } = await requireProviderAndConsumer(db, req);
        const pacts = await pactsOnConsumerBranch(db, provider.id, consumer.id, scopeOf(req));
        const h = hrefsOf(deps, req);
        sendHal(
          res,
          200,
          pactVersionsView(h, `${h.base}${req.path}`, provider.name, consumer.name, pacts),
        );
      })
      .delete(writes, async (req, res) => {
        const { provider, consumer } = await requireProviderAndConsumer(db, req);
        await deletePactsOnConsumerBranch(db, provider.id, consumer.id, scopeOf(req));
        // The Pact Broker's answer to deleting pacts: the index, and the latest pact left between the two.
        const h = hrefsOf(deps, req);
        const left = await latestPact(db, provider.id, consumer.id);
        sendHal(res, 200, {
          _links: {
            index: { href: h.base },
            ...(left
              ? {
                  'pb:latest-pact-version': {
                    href: h.path(
                      'pacts',
                      'provider',
                      provider.name,
                      'consumer',
                      consumer.name,
                      'latest',
                    ),
                    title: 'Latest pact',
                  },
                }
              : {}),
          },
        });
      })
      .all(methodNotAllowed('GET', 'DELETE'));
  return router;
}
