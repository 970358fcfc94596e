import { Router } from 'express';
import { reads } from '../access.js';
import { sendHal } from '../hal.js';
import { hrefsOf, type BrokerDeps } from '../context.js';

/** `GET /`: the HAL index the Pact clients start from. */
export function indexRoutes(deps: BrokerDeps): Router {
  const router = Router();
  router.get('/', reads, (req, res) => {
    const h = hrefsOf(deps, req);
    const pacts = (...rest: string[]) => h.link(['pacts', 'provider', '{provider}', ...rest]);
    const withTitle = (link: ReturnType<typeof h.link>, title: string) => ({ ...link, title });
    sendHal(res, 200, {
      _links: {
        self: { href: h.base, title: 'Index' },
        'pb:publish-contracts': withTitle(h.link(['contracts', 'publish']), 'Publish contracts'),
        'pb:publish-pact': withTitle(
          pacts('consumer', '{consumer}', 'version', '{consumerApplicationVersion}'),
          'Publish a pact',
        ),
        'pb:latest-pact-versions': withTitle(h.link(['pacts', 'latest']), 'Latest pact versions'),
        'pb:branch-pact-versions': withTitle(
          pacts('consumer', '{consumer}', 'branch', '{branch}'),
          'All versions of pacts for a provider, for a named consumers branch',
        ),
        'pb:latest-branch-pact-versions': withTitle(
          pacts('consumer', '{consumer}', 'branch', '{branch}', 'latest', 'versions'),
          'Latest version of pact for a provider, for a named consumers branch',
        ),
        'pb:main-branch-pact-versions': withTitle(
          pacts('consumer', '{consumer}', 'branch', 'versions'),
          'All versions of pacts for a provider, for a named consumers main branch',
        ),
        'pb:latest-main-branch-pact-versions': withTitle(
          pacts('consumer', '{consumer}', 'branch', 'latest', 'versions'),
          'Latest version of pact for a provider, for a named consumers main branch',
        ),
        'pb:pacticipants': withTitle(h.link(['pacticipants']), 'Pacticipants'),
        'pb:pacticipant': withTitle(
          h.link(['pacticipants', '{pacticipant}']),
          'Fetch pacticipant by name',
        ),
        'pb:latest-provider-pacts': withTitle(pacts('latest'), 'Latest pacts by provider'),
        'pb:latest-provider-pacts-with-tag': withTitle(
          pacts('latest', '{tag}'),
          'Latest pacts for provider with the specified tag',
        ),
        'pb:provider-pacts': withTitle(pacts(), 'All pact versions for the specified provider'),
        'pb:provider-pacts-with-tag': withTitle(
          pacts('tag', '{tag}'),
          'All pact versions for the provider with the specified consumer version tag',
        ),
        'pb:provider-pacts-with-main-branch': withTitle(
          pacts('branch'),
          'All pacts for a provider, for any consumers main branch',
        ),
        'pb:provider-pacts-with-branch': withTitle(
          pacts('branch', '{branch}'),
          'All pacts for a provider, for any consumers named branch',
        ),
        'pb:latest-provider-pacts-with-main-branch': withTitle(
          pacts('branch', 'latest'),
          'Latest pact for a provider, for any consumers main branch',
        ),
        'pb:latest-provider-pacts-with-branch': withTitle(
          pacts('branch', '{branch}', 'latest'),
          'Latest pacts for a provider, for any consumers named branch',
        ),
        'pb:provider-pacts-for-verification': withTitle(
          pacts('for-verification'),
          'Pact versions to be verified for the specified provider',
        ),
        'pb:latest-version': withTitle(
          h.link(['pacticipants', '{pacticipant}', 'latest-version']),
          'Latest pacticipant version',
        ),
        'pb:latest-tagged-version': withTitle(
          h.link(['pacticipants', '{pacticipant}', 'latest-version', '{tag}']),
          'Latest pacticipant version with the specified tag',
        ),
        'pb:pacticipant-version': withTitle(
          h.link(['pacticipants', '{pacticipant}', 'versions', '{version}']),
          'Get, create or delete a pacticipant version',
        ),
        'pb:pacticipant-version-tag': withTitle(
          h.link(['pacticipants', '{pacticipant}', 'versions', '{version}', 'tags', '{tag}']),
          'Get, create or delete a tag for a pacticipant version',
        ),
        'pb:pacticipant-branch': withTitle(
          h.link(['pacticipants', '{pacticipant}', 'branches', '{branch}']),
          'Get or delete a pacticipant branch',
        ),
        'pb:pacticipant-branch-version': withTitle(
          h.link([
            'pacticipants',
            '{pacticipant}',
            'branches',
            '{branch}',
            'versions',
            '{version}',
          ]),
          'Get or add/create a version for a pacticipant branch',
        ),
        'pb:environments': withTitle(h.link(['environments']), 'Environments'),
        'pb:environment': withTitle(h.link(['environments', '{uuid}']), 'Environment'),
        'pb:webhooks': withTitle(h.link(['webhooks']), 'Webhooks'),
        'pb:webhook': withTitle(h.link(['webhooks', '{uuid}']), 'Webhook'),
        'pb:can-i-deploy-pacticipant-version-to-environment': {
          href: `${h.base}/can-i-deploy?pacticipant={pacticipant}&version={version}&environment={environment}`,
          title: 'Determine if an application version can be safely deployed to an environment',
          templated: true,
        },
        'pb:can-i-deploy-pacticipant-version-to-tag': {
          href: `${h.base}/can-i-deploy?pacticipant={pacticipant}&version={version}&to={tag}`,
          title: 'Determine if an application version can be safely deployed with a tag',
          templated: true,
        },
        curies: [{ name: 'pb', href: `${h.base}/doc/{rel}?context=index`, templated: true }],
      },
    });
  });
  return router;
}
