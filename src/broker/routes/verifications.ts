import { Router, type Request } from 'express';
import { MeshpactError } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { validBody } from '../../http/schema-io.js';
import { withTransaction } from '../../runtime/db.js';
import type { VerificationResultRequest } from '../../schemas/types.generated.js';
import { reads, writes } from '../access.js';
import { hrefsOf, param, requirePacticipant, type BrokerDeps } from '../context.js';
import type { BrokerEventSink } from '../events.js';
import { brokerDate, sendHal, type Hrefs } from '../hal.js';
import { decodeMetadata } from '../metadata.js';
import { findOrCreateVersion } from '../store/versions.js';
import {
  findPactVersion,
  findVerification,
  insertVerification,
  latestVerification,
  type VerificationRow,
} from '../store/verifications.js';

/** Verification results, filed against pact content. */
export function verificationRoutes(deps: BrokerDeps & { events: BrokerEventSink }): Router {
  const { db, clock } = deps;
  const router = Router();
  const base = '/pacts/provider/:provider/consumer/:consumer/pact-version/:sha';

  const content = async (req: Request) => {
    const provider = await requirePacticipant(db, param(req, 'provider'));
    const consumer = await requirePacticipant(db, param(req, 'consumer'));
    const sha = param(req, 'sha');
    const found = await findPactVersion(db, consumer.id, provider.id, sha);
    if (!found)
      throw new MeshpactError(
        'not_found',
        `no pact between ${consumer.name} and ${provider.name} has content ${sha}`,
      );
    return { provider, consumer, sha, pactVersionId: found.id };
  };

  router
    .route([`${base}/verification-results`, `${base}/metadata/:metadata/verification-results`])
    .post(writes, validBody('broker/verification-result-request'), async (req, res) => {
      const body = req.body as VerificationResultRequest;
      const { provider, consumer, sha, pactVersionId } = await content(req);
      const metadata = decodeMetadata((req.params as { metadata?: string }).metadata);
      const id = await withTransaction(db, async (trx) => {
        const at = clock.now();
        const { row: version } = await findOrCreateVersion(
          trx,
          provider.id,
          body.providerApplicationVersion,
          at,
        );
        return insertVerification(
          trx,
          {
            pactVersionId,
            providerVersion: version,
            consumerId: consumer.id,
            providerId: provider.id,
            success: body.success,
            buildUrl: body.buildUrl ?? null,
            testResults: body.testResults,
            verifiedBy: body.verifiedBy,
            pending: metadata.pending ?? null,
            wip: metadata.wip ?? false,
          },
          at,
        );
      });
      const event = {
        consumer: consumer.name,
        provider: provider.name,
        sha,
        providerVersion: body.providerApplicationVersion,
        verificationId: id,
      };
      deps.events.emit([
        { name: 'provider_verification_published', ...event },
        {
          name: body.success ? 'provider_verification_succeeded' : 'provider_verification_failed',
          ...event,
        },
      ]);
      const row = (await findVerification(db, pactVersionId, id))!;
      const view = verificationView(hrefsOf(deps, req), row);
      res.setHeader('Location', view._links.self.href);
      sendHal(res, 201, view);
    })
    .all(methodNotAllowed('POST'));

  router.get(`${base}/verification-results/latest`, reads, async (req, res) => {
    const { pactVersionId } = await content(req);
    const row = await latestVerification(db, pactVersionId);
    if (!row) throw new MeshpactError('not_found', 'this pact has no verification results yet');
    sendHal(res, 200, verificationView(hrefsOf(deps, req), row));
  });
  router.get(`${base}/verification-results/:number`, reads, async (req, res) => {
    const { pactVersionId } = await content(req);
    // Results are numbered 1, 2, 3...; anything else names none (and must not reach a bigint column).
    const number = param(req, 'number');
    const row = /^[1-9]\d{0,17}$/.test(number)
      ? await findVerification(db, pactVersionId, number)
      : undefined;
    if (!row) throw new MeshpactError('not_found', 'no such verification result');
    sendHal(res, 200, verificationView(hrefsOf(deps, req), row));
  });

  return router;
}

export function verificationView(h: Hrefs, row: VerificationRow) {
  const pactVersion = h.path(
    'pacts',
    'provider',
    row.provider_name,
    'consumer',
    row.consumer_name,
    'pact-version',
    row.sha,
  );
  const verifiedBy = (row.verified_by ?? {}) as {
    implementation?: string;
    version?: string;
    clientLanguage?: { name?: string; version?: string; testFramework?: string };
  };
  return {
    providerName: row.provider_name,
    providerApplicationVersion: row.provider_version,
    success: row.success,
    verificationDate: brokerDate(row.created_at),
    buildUrl: row.build_url,
    testResults: row.test_results,
    verifiedBy: {
      implementation: verifiedBy.implementation ?? null,
      version: verifiedBy.version ?? null,
      client_implementation: verifiedBy.clientLanguage?.name ?? null,
      client_test_framework: verifiedBy.clientLanguage?.testFramework ?? null,
      client_version: verifiedBy.clientLanguage?.version ?? null,
    },
    ...(row.wip ? { wip: true } : {}),
    ...(row.pending !== null ? { pending: row.pending } : {}),
    _links: {
      self: {
        title: 'Verification result',
        name: `Verification result ${row.id}`,
        href: `${pactVersion}/verification-results/${row.id}`,
      },
      'pb:pact-version': { title: 'Pact', href: pactVersion },
      'pb:provider-version': {
        title: 'Provider version',
        name: row.provider_version,
        href: h.path('pacticipants', row.provider_name, 'versions', row.provider_version),
      },
    },
  };
}
