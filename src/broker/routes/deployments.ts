import { Router, type Request } from 'express';
import { MeshpactError, validationFailed } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { withTransaction } from '../../runtime/db.js';
import type { DeploymentRequest } from '../../schemas/types.generated.js';
import { reads, writes } from '../access.js';
import {
  hrefsOf,
  param,
  requireEnvironment,
  requirePacticipant,
  requireVersion,
  type BrokerDeps,
} from '../context.js';
import { deployedVersionView, releasedVersionView } from '../environment-views.js';
import { sendHal } from '../hal.js';
import {
  currentlyDeployed,
  currentlySupported,
  findDeployedVersion,
  findReleasedVersion,
  recordDeployment,
  recordRelease,
  recordSupportEnded,
  recordUndeployment,
} from '../store/deployments.js';
import {
  ignoredBody,
  objectBody,
  optionalBody,
  queryInstance,
  queryName,
} from '../request-rules.js';
import { findEnvironmentById, type EnvironmentRow } from '../store/environments.js';

/**
 * Recording deployments and releases of versions (`pb:record-deployment`,
 * `pb:record-release` on a version), listing what is current in an
 * environment, and ending a deployment or a release's support by PATCH.
 */
export function deploymentRoutes(deps: BrokerDeps): Router {
  const { db, clock } = deps;
  const router = Router();

  /** The version (never created here, unlike tags and branches) and the environment. */
  const target = async (req: Request) => {
    const pacticipant = await requirePacticipant(db, param(req, 'name'));
    const version = await requireVersion(db, pacticipant, param(req, 'version'));
    const environment = await requireEnvironment(db, param(req, 'uuid'));
    return { version, environment };
  };

  // --- deployments ----------------------------------------------------------

  router
    .route('/pacticipants/:name/versions/:version/deployed-versions/environment/:uuid')
    .post(writes, optionalBody('broker/deployment-request'), async (req, res) => {
      const { version, environment } = await target(req);
      const instance = applicationInstanceOf((req.body ?? {}) as DeploymentRequest, environment);
      const row = await withTransaction(db, (trx) =>
        recordDeployment(trx, version, environment.id, instance, clock.now()),
      );
      const view = deployedVersionView(hrefsOf(deps, req), row, environment);
      res.setHeader('Location', view._links.self.href);
      sendHal(res, 201, view);
    })
    .all(methodNotAllowed('POST'));

  router.get(
    '/environments/:uuid/deployed-versions/currently-deployed',
    reads,
    async (req, res) => {
      const environment = await requireEnvironment(db, param(req, 'uuid'));
      const h = hrefsOf(deps, req);
      const rows = await currentlyDeployed(db, environment.id, {
        pacticipant: queryName('pacticipant', req.query.pacticipant),
        applicationInstance: queryInstance(
          'applicationInstance',
          req.query.applicationInstance,
        )?.trim(),
      });
      sendHal(res, 200, {
        _embedded: {
          deployedVersions: rows.map((row) => deployedVersionView(h, row, environment)),
        },
        _links: {
          self: {
            title: `Versions currently deployed to ${environment.display_name ?? environment.name}`,
            href: h.path(
              'environments',
              environment.uuid,
              'deployed-versions',
              'currently-deployed',
            ),
          },
        },
      });
    },
  );

  router
    .route('/deployed-versions/:uuid')
    .get(reads, async (req, res) => {
      const row = await findDeployedVersion(db, param(req, 'uuid'));
      if (!row) throw noRecord('deployed version', param(req, 'uuid'));
      const environment = await findEnvironmentById(db, row.environment_id);
      sendHal(res, 200, deployedVersionView(hrefsOf(deps, req), row, environment));
    })
    .patch(writes, async (req, res) => {
      const uuid = param(req, 'uuid');
      const found = await findDeployedVersion(db, uuid);
      if (!found) throw noRecord('deployed version', uuid);
      const change = flagOf(req.body, 'currentlyDeployed');
      if (change === true)
        throw irreversible(
          'currentlyDeployed',
          'can only be set to false; record a new deployment to deploy the version again',
        );
      const row = change === false ? await recordUndeployment(db, uuid, clock.now()) : found;
      if (!row) throw noRecord('deployed version', uuid);
      const environment = await findEnvironmentById(db, row.environment_id);
      sendHal(res, 200, deployedVersionView(hrefsOf(deps, req), row, environment));
    })
    .all(methodNotAllowed('GET', 'PATCH'));

  // --- releases -------------------------------------------------------------

  router
    .route('/pacticipants/:name/versions/:version/released-versions/environment/:uuid')
    .post(writes, ignoredBody, async (req, res) => {
      const { version, environment } = await target(req);
      const { row, created } = await withTransaction(db, (trx) =>
        recordRelease(trx, version, environment.id, clock.now()),
      );
      const view = releasedVersionView(hrefsOf(deps, req), row, environment);
      if (created) res.setHeader('Location', view._links.self.href);
      sendHal(res, created ? 201 : 200, view);
    })
    .all(methodNotAllowed('POST'));

  router.get(
    '/environments/:uuid/released-versions/currently-supported',
    reads,
    async (req, res) => {
      const environment = await requireEnvironment(db, param(req, 'uuid'));
      const h = hrefsOf(deps, req);
      const rows = await currentlySupported(db, environment.id, {
        pacticipant: queryName('pacticipant', req.query.pacticipant),
        version: queryName('version', req.query.version),
      });
      sendHal(res, 200, {
        _embedded: {
          releasedVersions: rows.map((row) => releasedVersionView(h, row, environment)),
        },
        _links: {
          self: {
            title: `Versions released and supported in ${environment.display_name ?? environment.name}`,
            href: h.path(
              'environments',
              environment.uuid,
              'released-versions',
              'currently-supported',
            ),
          },
        },
      });
    },
  );

  router
    .route('/released-versions/:uuid')
    .get(reads, async (req, res) => {
      const row = await findReleasedVersion(db, param(req, 'uuid'));
      if (!row) throw noRecord('released version', param(req, 'uuid'));
      const environment = await findEnvironmentById(db, row.environment_id);
      sendHal(res, 200, releasedVersionView(hrefsOf(deps, req), row, environment));
    })
    .patch(writes, async (req, res) => {
      const uuid = param(req, 'uuid');
      const found = await findReleasedVersion(db, uuid);
      if (!found) throw noRecord('released version', uuid);
      const change = flagOf(req.body, 'currentlySupported');
      if (change === true)
        throw irreversible(
          'currentlySupported',
          'can only be set to false; record the release again to support the version again',
        );
      const row = change === false ? await recordSupportEnded(db, uuid, clock.now()) : found;
      if (!row) throw noRecord('released version', uuid);
      const environment = await findEnvironmentById(db, row.environment_id);
      sendHal(res, 200, releasedVersionView(hrefsOf(deps, req), row, environment));
    })
    .all(methodNotAllowed('GET', 'PATCH'));

  return router;
}

/**
 * `applicationInstance`, or the beta clients' `target`, '' for none. The Rust
 * pact-broker CLI puts the environment's name in `target` whether or not an
 * instance was given, so a `target` equal to that name is not read as one.
 */
function applicationInstanceOf(body: DeploymentRequest, environment: EnvironmentRow): string {
  const instance = body.applicationInstance?.trim();
  if (instance !== undefined) return instance;
  const legacy = body.target?.trim();
  return legacy === undefined || legacy === environment.name ? '' : legacy;
}

/** A boolean member of a PATCH body; undefined when absent (the PATCH then changes nothing). */
function flagOf(body: unknown, name: string): boolean | undefined {
  const value = objectBody(body)[name];
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalid(`/${name}`, 'must be a boolean');
}

const invalid = (path: string, message: string) =>
  validationFailed('request body', [{ path, message }]);

/** The Pact Broker's 422 for this, its one validation error that is not a 400. */
const irreversible = (field: string, message: string) =>
  new MeshpactError('irreversible_change', `${field} ${message}`, {
    extensions: { errors: [{ path: `/${field}`, message }] },
  });

const noRecord = (what: string, uuid: string) =>
  new MeshpactError('not_found', `no ${what} with uuid "${uuid}"`);
