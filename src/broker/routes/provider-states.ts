import { Router, type Request } from 'express';
import { MeshpactError } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import type { Queryable } from '../../runtime/db.js';
import { reads } from '../access.js';
import { param, requirePacticipant, type BrokerDeps } from '../context.js';
import { sendHal } from '../hal.js';
import { listProviderStates, type StatesScope } from '../provider-states.js';
import { findEnvironment, listEnvironments } from '../store/environments.js';

/**
 * The Pact Broker names this segment an environment uuid but reads it as a
 * name, which is what the Rust CLI's `provider-states list --environment`
 * sends: either finds the environment here, the uuid first.
 */
async function requireEnvironmentByUuidOrName(db: Queryable, segment: string) {
  const environment =
    (await findEnvironment(db, segment)) ?? (await listEnvironments(db, segment))[0];
  if (!environment)
    throw new MeshpactError('not_found', `no environment with uuid or name "${segment}"`);
  return environment;
}

/**
 * `GET /pacts/provider/{p}/provider-states` and its branch and environment
 * forms (the Pact Broker's ProviderStates): the states the provider's
 * consumers need, as `pact-broker provider-states list` prints them.
 */
export function providerStateRoutes(deps: BrokerDeps): Router {
  const { db } = deps;
  const router = Router();
  const scopes: [string, (req: Request) => Promise<StatesScope>][] = [
    ['', () => Promise.resolve({ mainBranch: true })],
    ['/branch/:branch', (req) => Promise.resolve({ branch: param(req, 'branch') })],
    [
      '/environment/:environment',
      async (req) => ({
        environment: (await requireEnvironmentByUuidOrName(db, param(req, 'environment'))).name,
      }),
    ],
  ];
  for (const [path, scopeOf] of scopes)
    router
      .route(`/pacts/provider/:provider/provider-states${path}`)
      .get(reads, async (req, res) => {
        const provider = await requirePacticipant(db, param(req, 'provider'));
        const providerStates = await listProviderStates(db, provider.id, await scopeOf(req));
        sendHal(res, 200, { providerStates });
      })
      .all(methodNotAllowed('GET'));
  return router;
}
