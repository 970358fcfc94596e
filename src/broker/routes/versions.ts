import { Router, type Request } from 'express';
import { MeshpactError } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { withTransaction } from '../../runtime/db.js';
import type { VersionRequest } from '../../schemas/types.generated.js';
import { reads, writes } from '../access.js';
import { brokerDate, sendHal, type Hrefs } from '../hal.js';
import {
  hrefsOf,
  pageView,
  paging,
  param,
  requirePacticipant,
  requireVersion,
  type BrokerDeps,
} from '../context.js';
import { ignoredBody, optionalBody, queryName } from '../request-rules.js';
import { listEnvironments } from '../store/environments.js';
import type { PacticipantRow } from '../store/pacticipants.js';
import {
  addTag,
  addToBranch,
  deleteBranch,
  deleteTag,
  deleteVersion,
  findBranch,
  findOrCreatePacticipantVersion,
  findVersionById,
  keepOnlyTags,
  findTag,
  isOnBranch,
  latestVersion,
  listBranches,
  listVersions,
  removeFromBranch,
  setBuildUrl,
  type BranchRow,
  type VersionRow,
} from '../store/versions.js';
import { tagView, versionView } from '../views.js';

/** Versions of a pacticipant, with their branches and tags. */
export function versionRoutes(deps: BrokerDeps): Router {
  const { db, clock } = deps;
  const router = Router();

  /** Each environment a version could be recorded as deployed or released to (read once per request). */
  const recordable = async () =>
    (await listEnvironments(db)).map((e) => ({
      name: e.name,
      uuid: e.uuid,
      displayName: e.display_name,
    }));
  const showVersion = async (
    req: Request,
    pacticipant: PacticipantRow,
    version: VersionRow,
    environments?: Awaited<ReturnType<typeof recordable>>,
  ) =>
    versionView(
      db,
      hrefsOf(deps, req),
      pacticipant.name,
      version,
      environments ?? (await recordable()),
    );

  const versionList = async (
    req: Request,
    pacticipant: PacticipantRow,
    self: string,
    scope: { branch?: string } = {},
  ) => {
    const page = paging(req);
    const { rows, total } = await listVersions(db, pacticipant.id, { ...page, ...scope });
    const environments = await recordable();
    const views = await Promise.all(
      rows.map((row) => showVersion(req, pacticipant, row, environments)),
    );
    return {
      _embedded: { versions: views },
      page: pageView(page, total),
      _links: { self: { href: self } },
    };
  };

  router.get('/pacticipants/:name/versions', reads, async (req, res) => {
    const pacticipant = await requirePacticipant(db, param(req, 'name'));
    const self = hrefsOf(deps, req).path('pacticipants', pacticipant.name, 'versions');
    sendHal(res, 200, await versionList(req, pacticipant, self));
  });

  const latest = async (req: Request, scope: { tag?: string; branch?: string }) => {
    const pacticipant = await requirePacticipant(db, param(req, 'name'));
    const version = await latestVersion(db, pacticipant.id, scope);
    if (!version) throw new MeshpactError('not_found', `${pacticipant.name} has no such version`);
    return showVersion(req, pacticipant, version);
  };
  router.get('/pacticipants/:name/latest-version', reads, async (req, res) =>
    sendHal(res, 200, await latest(req, {})),
  );
  router.get('/pacticipants/:name/latest-version/:tag', reads, async (req, res) =>
    sendHal(res, 200, await latest(req, { tag: param(req, 'tag') })),
  );
  router.get('/pacticipants/:name/branches/:branch/latest-version', reads, async (req, res) =>
    sendHal(res, 200, await latest(req, { branch: param(req, 'branch') })),
  );

  router
    .route('/pacticipants/:name/versions/:version')
    .get(reads, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const version = await requireVersion(db, pacticipant, param(req, 'version'));
      sendHal(res, 200, await showVersion(req, pacticipant, version));
    })
    .put(writes, optionalBody('broker/version-request'), async (req, res) =>
      writeVersion(req, res, 'replace'),
    )
    .patch(writes, optionalBody('broker/version-request'), async (req, res) =>
      writeVersion(req, res, 'update'),
    )
    .delete(writes, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const version = await requireVersion(db, pacticipant, param(req, 'version'));
      await deleteVersion(db, version.id);
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'PATCH', 'DELETE'));

  /** Creates the pacticipant and version as needed; PUT replaces the tag set when tags are given. */
  async function writeVersion(
    req: Request,
    res: Parameters<Parameters<typeof router.get>[1]>[1],
    mode: 'replace' | 'update',
  ) {
    const body = (req.body ?? {}) as VersionRequest;
    const buildUrl = body.buildUrl;
    const tagNames = body.tags?.map((tag) => tag.name);
    const { pacticipant, version, created } = await withTransaction(db, async (trx) => {
      const at = clock.now();
      const found = await findOrCreatePacticipantVersion(
        trx,
        param(req, 'name'),
        param(req, 'version'),
        at,
      );
      if (typeof buildUrl === 'string') await setBuildUrl(trx, found.version.id, buildUrl, at);
      if (tagNames) {
        if (mode === 'replace') await keepOnlyTags(trx, found.version.id, tagNames);
        for (const name of tagNames) await addTag(trx, found.version, name, at);
      }
      return { ...found, version: (await findVersionById(trx, found.version.id))! };
    });
    sendHal(res, created ? 201 : 200, await showVersion(req, pacticipant, version));
  }

  // --- tags -----------------------------------------------------------------

  router
    .route('/pacticipants/:name/versions/:version/tags/:tag')
    .get(reads, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const version = await requireVersion(db, pacticipant, param(req, 'version'));
      const tag = await findTag(db, version.id, param(req, 'tag'));
      if (!tag)
        throw new MeshpactError(
          'not_found',
          `version ${version.number} has no tag "${param(req, 'tag')}"`,
        );
      sendHal(res, 200, tagView(hrefsOf(deps, req), pacticipant.name, version.number, tag));
    })
    .put(writes, ignoredBody, async (req, res) => {
      const name = param(req, 'tag');
      const { pacticipant, version, created } = await withTransaction(db, async (trx) => {
        const at = clock.now();
        const { pacticipant, version } = await findOrCreatePacticipantVersion(
          trx,
          param(req, 'name'),
          param(req, 'version'),
          at,
        );
        return { pacticipant, version, created: await addTag(trx, version, name, at) };
      });
      const tag = (await findTag(db, version.id, name))!;
      const view = tagView(hrefsOf(deps, req), pacticipant.name, version.number, tag);
      if (created) res.setHeader('Location', view._links.self.href);
      sendHal(res, created ? 201 : 200, view);
    })
    .delete(writes, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const version = await requireVersion(db, pacticipant, param(req, 'version'));
      if (!(await deleteTag(db, version.id, param(req, 'tag'))))
        throw new MeshpactError(
          'not_found',
          `version ${version.number} has no tag "${param(req, 'tag')}"`,
        );
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'DELETE'));

  // --- branches -------------------------------------------------------------

  const branchView = (h: Hrefs, pacticipant: string, branch: BranchRow) => {
    const self = h.path('pacticipants', pacticipant, 'branches', branch.name);
    return {
      name: branch.name,
      createdAt: brokerDate(branch.created_at),
      _links: {
        self: { title: 'Branch', name: branch.name, href: self },
        'pb:latest-version': { title: 'Latest version for branch', href: `${self}/latest-version` },
        'pb:versions': { href: `${self}/versions` },
        'pb:pacticipant': {
          title: 'Pacticipant',
          name: pacticipant,
          href: h.path('pacticipants', pacticipant),
        },
      },
    };
  };
  const requireBranch = async (pacticipant: PacticipantRow, name: string) => {
    const branch = await findBranch(db, pacticipant.id, name);
    if (!branch)
      throw new MeshpactError('not_found', `${pacticipant.name} has no branch "${name}"`);
    return branch;
  };

  router.get('/pacticipants/:name/branches', reads, async (req, res) => {
    const pacticipant = await requirePacticipant(db, param(req, 'name'));
    const q = queryName('q', req.query.q);
    const h = hrefsOf(deps, req);
    const branches = await listBranches(db, pacticipant.id, q);
    sendHal(res, 200, {
      _embedded: { branches: branches.map((branch) => branchView(h, pacticipant.name, branch)) },
      _links: { self: { href: h.path('pacticipants', pacticipant.name, 'branches') } },
    });
  });

  router
    .route('/pacticipants/:name/branches/:branch')
    .get(reads, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const branch = await requireBranch(pacticipant, param(req, 'branch'));
      sendHal(res, 200, branchView(hrefsOf(deps, req), pacticipant.name, branch));
    })
    .delete(writes, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const branch = await requireBranch(pacticipant, param(req, 'branch'));
      await deleteBranch(db, branch.id);
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'DELETE'));

  router.get('/pacticipants/:name/branches/:branch/versions', reads, async (req, res) => {
    const pacticipant = await requirePacticipant(db, param(req, 'name'));
    const branch = await requireBranch(pacticipant, param(req, 'branch'));
    const self = hrefsOf(deps, req).path(
      'pacticipants',
      pacticipant.name,
      'branches',
      branch.name,
      'versions',
    );
    sendHal(res, 200, await versionList(req, pacticipant, self, { branch: branch.name }));
  });

  router
    .route('/pacticipants/:name/branches/:branch/versions/:version')
    .get(reads, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const branch = await requireBranch(pacticipant, param(req, 'branch'));
      const version = await requireVersion(db, pacticipant, param(req, 'version'));
      if (!(await isOnBranch(db, branch.id, version.id)))
        throw new MeshpactError(
          'not_found',
          `version ${version.number} is not on branch ${branch.name}`,
        );
      sendHal(res, 200, await showVersion(req, pacticipant, version));
    })
    .put(writes, ignoredBody, async (req, res) => {
      const branchName = param(req, 'branch');
      const { pacticipant, version, created } = await withTransaction(db, async (trx) => {
        const at = clock.now();
        const { pacticipant, version } = await findOrCreatePacticipantVersion(
          trx,
          param(req, 'name'),
          param(req, 'version'),
          at,
        );
        return { pacticipant, version, created: await addToBranch(trx, version, branchName, at) };
      });
      const view = await showVersion(req, pacticipant, version);
      if (created)
        res.setHeader(
          'Location',
          hrefsOf(deps, req).path(
            'pacticipants',
            pacticipant.name,
            'branches',
            branchName,
            'versions',
            version.number,
          ),
        );
      sendHal(res, created ? 201 : 200, view);
    })
    .delete(writes, async (req, res) => {
      const pacticipant = await requirePacticipant(db, param(req, 'name'));
      const branch = await requireBranch(pacticipant, param(req, 'branch'));
      const version = await requireVersion(db, pacticipant, param(req, 'version'));
      if (!(await removeFromBranch(db, branch.id, version.id)))
        throw new MeshpactError(
          'not_found',
          `version ${version.number} is not on branch ${branch.name}`,
        );
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'DELETE'));

  return router;
}
