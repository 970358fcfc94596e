import { Router, type Request } from 'express';
import { reads } from '../access.js';
import { hrefsOf, type BrokerDeps } from '../context.js';
import { brokerDate, sendHal, type Hrefs } from '../hal.js';
import {
  computeMatrix,
  invalidMatrixQuery,
  type MatrixAnswer,
  type MatrixQuery,
  type MatrixSelector,
} from '../matrix.js';
import { queryChoice, queryInteger, queryName, searchValue } from '../request-rules.js';
import { versionDetails, type VersionDetail } from '../store/matrix.js';
import { pactOfVersionHref } from '../views.js';

/**
 * Reads Rack-style arrays of objects (`q[][pacticipant]=a&q[][version]=1&q[][pacticipant]=b`)
 * the way the Pact Broker does: a key already present starts the next object.
 */
export function rackArray(search: URLSearchParams, name: string): Record<string, string>[] {
  const items: Record<string, string>[] = [];
  const pattern = new RegExp(`^${name}\\[\\]\\[([A-Za-z]+)\\]$`);
  for (const [key, value] of search) {
    const field = pattern.exec(key)?.[1];
    if (!field) continue;
    const current = items[items.length - 1];
    if (!current || field in current) items.push({ [field]: value });
    else current[field] = value;
  }
  return items;
}

const truthy = (value: string | undefined) => value === 'true';

/** A selector's names follow the broker's name rules, as anywhere else they are sent. */
function toSelector(raw: Record<string, string>): MatrixSelector {
  const name = (field: string) => queryName(`q[][${field}]`, raw[field]);
  const pacticipant = name('pacticipant');
  if (!pacticipant) throw invalidMatrixQuery('each selector needs a pacticipant');
  const version = name('version');
  const tag = name('tag');
  const branch = name('branch');
  return {
    pacticipant,
    ...(version ? { version } : {}),
    ...(truthy(raw.latest) ? { latest: true } : {}),
    ...(tag ? { tag } : {}),
    ...(branch ? { branch } : {}),
    ...(truthy(raw.mainBranch) ? { mainBranch: true } : {}),
  };
}

function targetOf(search: URLSearchParams): MatrixQuery['target'] {
  const environment = queryName('environment', searchValue(search, 'environment'));
  const tag =
    queryName('tag', searchValue(search, 'tag')) ?? queryName('to', searchValue(search, 'to'));
  const mainBranch = truthy(search.get('mainBranch') ?? undefined);
  const given = [environment, tag, mainBranch || undefined].filter((v) => v !== undefined);
  if (given.length > 1)
    throw invalidMatrixQuery('give only one of environment, tag and mainBranch');
  if (environment && truthy(search.get('latest') ?? undefined))
    throw invalidMatrixQuery('latest cannot be combined with environment');
  if (environment) return { environment };
  if (tag) return { tag };
  if (mainBranch) return { mainBranch: true };
  if (truthy(search.get('latest') ?? undefined)) return { latest: true };
  return undefined;
}

/** GET /matrix and GET /can-i-deploy. */
export function matrixRoutes(deps: BrokerDeps): Router {
  const { db } = deps;
  const router = Router();
  const search = (req: Request) => new URL(req.originalUrl, 'http://broker').searchParams;

  router.get('/matrix', reads, async (req, res) => {
    const params = search(req);
    const latestby = queryChoice('latestby', searchValue(params, 'latestby'), [
      'cvp',
      'cvpv',
      'cp',
    ] as const);
    // `success[]=true` (or `success=true`): '' stands for rows without a verification.
    const success = [...params.getAll('success[]'), ...params.getAll('success')].map((value) =>
      value === '' ? null : value === 'true',
    );
    const query: MatrixQuery = {
      selectors: rackArray(params, 'q').map(toSelector),
      ignore: rackArray(params, 'ignore').map((i) => {
        const version = queryName('ignore[][version]', i.version);
        return {
          pacticipant: queryName('ignore[][pacticipant]', i.pacticipant) ?? '',
          ...(version ? { version } : {}),
        };
      }),
      ...(latestby ? { latestby } : {}),
      limit: queryInteger('limit', searchValue(params, 'limit'), { min: 1, max: 10_000 }, 100),
      ...(success.length > 0 ? { success } : {}),
    };
    const target = targetOf(params);
    if (target) query.target = target;
    sendHal(res, 200, await matrixView(hrefsOf(deps, req), db, await computeMatrix(db, query)));
  });

  router.get('/can-i-deploy', reads, async (req, res) => {
    const params = search(req);
    const pacticipant = queryName('pacticipant', searchValue(params, 'pacticipant'));
    const version = queryName('version', searchValue(params, 'version'));
    if (!pacticipant || !version)
      throw invalidMatrixQuery('can-i-deploy needs pacticipant and version');
    const target = targetOf(params);
    const answer = await computeMatrix(db, {
      selectors: [{ pacticipant, version }],
      latestby: 'cvp',
      ...(target ? { target } : { target: { latest: true } }),
    });
    sendHal(res, 200, await matrixView(hrefsOf(deps, req), db, answer));
  });
  return router;
}

async function matrixView(
  h: Hrefs,
  db: Parameters<typeof versionDetails>[0],
  answer: MatrixAnswer,
) {
  const ids = answer.rows.flatMap((row) => [
    row.consumer.version.id,
    ...(row.provider.version ? [row.provider.version.id] : []),
  ]);
  const details = await versionDetails(db, [...new Set(ids)]);
  const version = (pacticipant: string, detail: VersionDetail | undefined) =>
    detail
      ? {
          number: detail.number,
          branch: detail.branches.at(-1)?.name ?? null,
          branches: detail.branches.map((b) => ({ name: b.name, latest: b.latest })),
          branchVersions: detail.branches.map((b) => ({ name: b.name, latest: b.latest })),
          environments: [],
          tags: detail.tags.map((t) => ({ name: t.name, latest: t.latest })),
          _links: {
            self: { href: h.path('pacticipants', pacticipant, 'versions', detail.number) },
          },
        }
      : null;
  return {
    summary: {
      deployable: answer.deployable,
      reason: answer.reasons.join('\n'),
      success: answer.success,
      failed: answer.failed,
      unknown: answer.unknown,
      ...(answer.ignored === undefined ? {} : { ignored: answer.ignored }),
    },
    notices: [
      ...answer.warnings.map((text) => ({ type: 'warning', text })),
      ...answer.reasons.map((text) => ({
        type:
          answer.deployable === true
            ? 'success'
            : answer.deployable === false
              ? 'error'
              : 'warning',
        text,
      })),
    ],
    matrix: answer.rows.map((row) => ({
      consumer: {
        name: row.consumer.pacticipant.name,
        version: version(row.consumer.pacticipant.name, details.get(row.consumer.version.id)),
        _links: { self: { href: h.path('pacticipants', row.consumer.pacticipant.name) } },
      },
      provider: {
        name: row.provider.pacticipant.name,
        version: row.provider.version
          ? version(row.provider.pacticipant.name, details.get(row.provider.version.id))
          : null,
        _links: { self: { href: h.path('pacticipants', row.provider.pacticipant.name) } },
      },
      pact: {
        createdAt: brokerDate(row.pactCreatedAt),
        _links: {
          self: {
            href: pactOfVersionHref(
              h,
              row.provider.pacticipant.name,
              row.consumer.pacticipant.name,
              row.consumer.version.number,
            ),
          },
        },
      },
      verificationResult: row.verification
        ? {
            success: row.verification.success,
            verifiedAt: brokerDate(row.verification.created_at),
            _links: {
              self: {
                href: `${h.path(
                  'pacts',
                  'provider',
                  row.provider.pacticipant.name,
                  'consumer',
                  row.consumer.pacticipant.name,
                  'pact-version',
                  row.pactSha,
                )}/verification-results/${row.verification.id}`,
              },
            },
          }
        : null,
      ...(row.ignored ? { ignored: true } : {}),
    })),
  };
}
