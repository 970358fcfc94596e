import { Router } from 'express';
import { MeshpactError } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { validBody } from '../../http/schema-io.js';
import { withTransaction } from '../../runtime/db.js';
import type { PacticipantRequest } from '../../schemas/types.generated.js';
import { reads, writes } from '../access.js';
import {
  hrefsOf,
  pageView,
  paging,
  param,
  requirePacticipant,
  type BrokerDeps,
} from '../context.js';
import { sendHal } from '../hal.js';
import { queryName } from '../request-rules.js';
import {
  deletePacticipant,
  findOrCreatePacticipant,
  listPacticipants,
  updatePacticipant,
  type PacticipantFields,
} from '../store/pacticipants.js';
import { latestVersionsOf } from '../store/versions.js';
import { pacticipantDocument, pacticipantView } from '../views.js';

const fieldsOf = (body: PacticipantRequest): PacticipantFields => ({
  ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
  ...(body.mainBranch !== undefined ? { mainBranch: body.mainBranch } : {}),
  ...(body.repositoryUrl !== undefined ? { repositoryUrl: body.repositoryUrl } : {}),
  ...(body.repositoryName !== undefined ? { repositoryName: body.repositoryName } : {}),
  ...(body.repositoryNamespace !== undefined
    ? { repositoryNamespace: body.repositoryNamespace }
    : {}),
});

/** Pacticipants: list, create, read, replace (PUT), update or create (PATCH), delete. */
export function pacticipantRoutes(deps: BrokerDeps): Router {
  const { db, clock } = deps;
  const router = Router();

  router
    .route('/pacticipants')
    .get(reads, async (req, res) => {
      const page = paging(req);
      const q = queryName('q', req.query.q);
      const { rows, total } = await listPacticipants(db, { ...(q ? { q } : {}), ...page });
      const h = hrefsOf(deps, req);
      const latest = await latestVersionsOf(
        db,
        rows.map((row) => row.id),
      );
      const views = rows.map((row) => pacticipantDocument(h, row, latest.get(row.id)));
      sendHal(res, 200, {
        _embedded: { pacticipants: views },
        pacticipants: views,
        page: pageView(page, total),
        _links: {
          self: { href: h.path('pacticipants') },
          'pb:pacticipants': rows.map((row) => ({
            href: h.path('pacticipants', row.name),
            title: row.display_name ?? row.name,
            name: row.name,
          })),
          pacticipants: rows.map((row) => ({
            href: h.path('pacticipants', row.name),
            title: row.name,
            name: 'DEPRECATED - please use pb:pacticipants',
          })),
          'pb:pacticipants-with-label': {
            href: `${h.path('pacticipants')}/label/{label}`,
            templated: true,
          },
        },
      });
    })
    .post(writes, validBody('broker/pacticipant-request'), async (req, res) => {
      const body = req.body as PacticipantRequest;
      if (body.name === undefined)
        throw new MeshpactError('validation_failed', 'a pacticipant needs a name', {
          extensions: { errors: [{ path: '/name', message: 'is missing' }] },
        });
      const name = body.name;
      const row = await withTransaction(db, async (trx) => {
        const { row: created, created: isNew } = await findOrCreatePacticipant(
          trx,
          name,
          clock.now(),
        );
        // As the Pact Broker (an insert that ignores a duplicate): the one already there, unchanged.
        if (!isNew) return created;
        return updatePacticipant(trx, created.id, fieldsOf(body), clock.now());
      });
      const h = hrefsOf(deps, req);
      res.setHeader('Location', h.path('pacticipants', row.name));
      sendHal(res, 201, await pacticipantView(db, h, row));
    })
    .all(methodNotAllowed('GET', 'POST'));

  router
    .route('/pacticipants/:name')
    .get(reads, async (req, res) => {
      const row = await requirePacticipant(db, param(req, 'name'));
      sendHal(res, 200, await pacticipantView(db, hrefsOf(deps, req), row));
    })
    .put(writes, validBody('broker/pacticipant-request'), async (req, res) => {
      const existing = await requirePacticipant(db, param(req, 'name'));
      const row = await updatePacticipant(
        db,
        existing.id,
        fieldsOf(req.body as PacticipantRequest),
        clock.now(),
        { replace: true },
      );
      sendHal(res, 200, await pacticipantView(db, hrefsOf(deps, req), row));
    })
    .patch(writes, validBody('broker/pacticipant-request'), async (req, res) => {
      const name = param(req, 'name');
      const { row, created } = await withTransaction(db, async (trx) => {
        const found = await findOrCreatePacticipant(trx, name, clock.now());
        const updated = await updatePacticipant(
          trx,
          found.row.id,
          fieldsOf(req.body as PacticipantRequest),
          clock.now(),
        );
        return { row: updated, created: found.created };
      });
      const h = hrefsOf(deps, req);
      if (created) res.setHeader('Location', h.path('pacticipants', row.name));
      sendHal(res, created ? 201 : 200, await pacticipantView(db, h, row));
    })
    .delete(writes, async (req, res) => {
      const row = await requirePacticipant(db, param(req, 'name'));
      await deletePacticipant(db, row.id);
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'PATCH', 'DELETE'));

  return router;
}
