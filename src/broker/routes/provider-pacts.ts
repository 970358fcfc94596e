import { Router, type Request } from 'express';
import { reads } from '../access.js';
import { hrefsOf, param, requirePacticipant, type BrokerDeps } from '../context.js';
import { sendHal } from '../hal.js';
import { providerPacts } from '../store/pacts.js';
import { pactOfVersionHref } from '../views.js';

/** Which of a provider's pacts a list holds, read from its path. */
interface ListScope {
  tag?: string;
  branch?: string;
  mainBranch?: boolean;
  latest?: boolean;
}

const titleOf = (provider: string, scope: ListScope) =>
  `${scope.latest ? 'Latest pact versions' : 'All pact versions'} for the provider ${provider}` +
  (scope.tag ? ` with consumer version tag '${scope.tag}'` : '') +
  (scope.branch ? ` with consumer version branch '${scope.branch}'` : '') +
  (scope.mainBranch ? ' for main branch' : '');

/**
 * A provider's pacts as lists of links (the Pact Broker's ProviderPactsDecorator):
 * every consumer version's pact, or each consumer's latest, narrowed by
 * consumer version tag, branch, or each consumer's main branch. The CLI's
 * `get-pacts` reads these through the index's provider-pacts relations.
 */
export function providerPactRoutes(deps: BrokerDeps): Router {
  const { db } = deps;
  const router = Router();
  // `branch/latest` is the main branch's latest, as in the Pact Broker's routes: before `branch/:branch`.
  const lists: [string, (req: Request) => ListScope][] = [
    ['', () => ({})],
    ['/tag/:tag', (req) => ({ tag: param(req, 'tag') })],
    ['/latest', () => ({ latest: true })],
    ['/latest/:tag', (req) => ({ tag: param(req, 'tag'), latest: true })],
    ['/branch', () => ({ mainBranch: true })],
    ['/branch/latest', () => ({ mainBranch: true, latest: true })],
    ['/branch/:branch', (req) => ({ branch: param(req, 'branch') })],
    ['/branch/:branch/latest', (req) => ({ branch: param(req, 'branch'), latest: true })],
  ];
  for (const [path, scopeOf] of lists)
    router.get(`/pacts/provider/:provider${path}`, reads, async (req, res) => {
      const provider = await requirePacticipant(db, param(req, 'provider'));
      const scope = scopeOf(req);
      const pacts = await providerPacts(db, provider.id, scope);
      const h = hrefsOf(deps, req);
      const links = pacts.map((pact) => ({
        href: pactOfVersionHref(h, pact.provider_name, pact.consumer_name, pact.consumer_version),
        title: `Pact between ${pact.consumer_name} (${pact.consumer_version}) and ${pact.provider_name}`,
        name: pact.consumer_name,
      }));
      const providerHref = h.path('pacticipants', provider.name);
      sendHal(res, 200, {
        _links: {
          self: { href: `${h.base}${req.path}`, title: titleOf(provider.name, scope) },
          'pb:provider': { href: providerHref, name: provider.name },
          'pb:pacts': links,
          provider: {
            href: providerHref,
            title: provider.name,
            name: 'DEPRECATED - please use the pb:provider relation',
          },
          pacts: links.map((link) => ({
            ...link,
            title: `DEPRECATED - please use the pb:pacts relation. ${link.title}`,
          })),
        },
      });
    });
  return router;
}
