import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { MeshpactError, validationFailed } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { validBody } from '../../http/schema-io.js';
import type { EnvironmentRequest } from '../../schemas/types.generated.js';
import { reads, writes } from '../access.js';
import { hrefsOf, param, requireEnvironment, type BrokerDeps } from '../context.js';
import { environmentListView, environmentView } from '../environment-views.js';
import { sendHal } from '../hal.js';
import { queryName } from '../request-rules.js';
import {
  createEnvironment,
  deleteEnvironment,
  generateDisplayName,
  listEnvironments,
  replaceEnvironment,
  type EnvironmentFields,
} from '../store/environments.js';

/** A blank display name becomes one made from the name, as the Pact Broker does. */
const fieldsOf = (body: EnvironmentRequest): EnvironmentFields => ({
  name: body.name,
  displayName:
    typeof body.displayName === 'string' && body.displayName.trim() !== ''
      ? body.displayName
      : generateDisplayName(body.name),
  production: body.production,
  contacts: body.contacts ?? null,
});

/** A validation error, as in the Pact Broker (its environment contract checks the name is free). */
const nameTaken = (name: string) =>
  validationFailed('request body', [
    { path: '/name', message: `name '${name}' is already used by an existing environment` },
  ]);

/** Environments: list (by name), create, read, replace, delete. */
export function environmentRoutes(deps: BrokerDeps): Router {
  const { db, clock } = deps;
  const router = Router();
  const body = (req: Request) => req.body as EnvironmentRequest;

  router
    .route('/environments')
    .get(reads, async (req, res) => {
      const name = queryName('name', req.query.name);
      sendHal(res, 200, environmentListView(hrefsOf(deps, req), await listEnvironments(db, name)));
    })
    .post(writes, validBody('broker/environment-request'), async (req, res) => {
      const fields = fieldsOf(body(req));
      // Any uuid in the body is ignored: the broker makes it.
      const row = await createEnvironment(db, randomUUID(), fields, clock.now());
      if (!row) throw nameTaken(fields.name);
      const view = environmentView(hrefsOf(deps, req), row);
      res.setHeader('Location', view._links.self.href);
      sendHal(res, 201, view);
    })
    .all(methodNotAllowed('GET', 'POST'));

  router
    .route('/environments/:uuid')
    .get(reads, async (req, res) => {
      const row = await requireEnvironment(db, param(req, 'uuid'));
      sendHal(res, 200, environmentView(hrefsOf(deps, req), row));
    })
    .put(writes, validBody('broker/environment-request'), async (req, res) => {
      const uuid = param(req, 'uuid');
      const fields = fieldsOf(body(req));
      const row = await replaceEnvironment(db, uuid, fields, clock.now());
      if (row === 'name_taken') throw nameTaken(fields.name);
      if (!row) throw new MeshpactError('not_found', `no environment with uuid "${uuid}"`);
      sendHal(res, 200, environmentView(hrefsOf(deps, req), row));
    })
    .delete(writes, async (req, res) => {
      const uuid = param(req, 'uuid');
      if (!(await deleteEnvironment(db, uuid)))
        throw new MeshpactError('not_found', `no environment with uuid "${uuid}"`);
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'DELETE'));

  return router;
}
