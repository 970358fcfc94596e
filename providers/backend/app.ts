import express, { type Express, type RequestHandler } from 'express';
import type pg from 'pg';
import { MeshpactError, validationFailed } from '../../src/errors/meshpact-error.js';
import { bearerToken } from '../../src/http/bearer.js';
import { healthRoutes, type ReadinessCheck } from '../../src/http/health.js';
import { jsonBody } from '../../src/http/json-body.js';
import { accessLog, identify, traceIdOf } from '../../src/http/access-log.js';
import { methodNotAllowed, notFound, problemHandler } from '../../src/http/problems.js';
import { createResponder, validBody, type ResponseCheck } from '../../src/http/schema-io.js';
import { urlGuard } from '../../src/http/url-guard.js';
import type { Logger } from '../../src/runtime/logger.js';
import type {
  MessageCreateRequest,
  RunCreateRequest,
  ThreadCreateRequest,
  ThreadUpdateRequest,
} from '../../src/schemas/types.generated.js';
import type { AccessClaims } from '../auth/client.js';
import type { StateModule } from '../shared/provider-states.js';
import { providerStatesRoutes } from '../shared/provider-states.routes.js';
import type { Authenticator } from './authenticator.js';
import type { BackendService } from './backend.service.js';
import { integerQuery, pageQuery, schemaRange } from './cursor.js';

export interface BackendAppDeps {
  db: pg.Pool;
  service: BackendService;
  authenticator: Authenticator;
  /** What /readyz checks besides Postgres, by name (auth-service's keys). */
  readiness: Record<string, ReadinessCheck>;
  logger: Logger;
  /** `throw` in tests: a response that breaks its schema becomes a 500. */
  responseCheck?: ResponseCheck;
  /** Served at POST /_pact/provider-states only when given (PACT_PROVIDER_STATES=on). */
  providerStates?: StateModule[];
}

const BODY_LIMIT = 64 * 1024;
const tenant = (res: express.Response) => (res.locals.claims as AccessClaims).tenant_id;
const param = (req: express.Request, name: string) => String(req.params[name]);

/** backend-api's HTTP side as an express app that does not listen; the /ws gateway attaches in server.ts. */
export function createApp(deps: BackendAppDeps): Express {
  const { service } = deps;
  const reply = createResponder(deps.responseCheck ?? 'log', deps.logger);
  const afterSeqRange = schemaRange('common/after-seq');
  const app = express();
  app.disable('x-powered-by');
  app.use(accessLog(deps.logger));

  // Reads trust the token's signature; writes also ask auth-service whether the session still stands.
  const bearer: RequestHandler = async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="meshpact"');
      throw new MeshpactError('unauthorized', 'send Authorization: Bearer <access token>');
    }
    try {
      const claims = await deps.authenticator.authenticate(token, {
        revocation: req.method !== 'GET',
      });
      res.locals.claims = claims;
      identify(res, { user: claims.sub, tenant: claims.tenant_id });
    } catch (error) {
      if (error instanceof MeshpactError && error.code === 'unauthorized') {
        res.setHeader('WWW-Authenticate', 'Bearer realm="meshpact", error="invalid_token"');
      }
      throw error;
    }
    next();
  };

  healthRoutes(app, { db: deps.db, reply, checks: deps.readiness });

  // The bearer check comes before the URL and the body are read: a caller
  // without a valid token learns nothing about what the API would make of
  // them, and the server reads no body for it.
  app.use('/api', bearer, urlGuard(), ...jsonBody({ limit: BODY_LIMIT }));

  app
    .route('/api/threads')
    .get(async (req, res) => {
      reply.send(
        res,
        200,
        'backend/thread-page',
        await service.listThreads(tenant(res), pageQuery(req.query)),
      );
    })
    .post(validBody('backend/thread-create-request'), async (req, res) => {
      const thread = await service.createThread(tenant(res), req.body as ThreadCreateRequest);
      res.setHeader('Location', `/api/threads/${thread.id}`);
      reply.send(res, 201, 'backend/thread', thread);
    })
    .all(methodNotAllowed('GET', 'POST'));

  app
    .route('/api/threads/:threadId')
    .get(async (req, res) => {
      reply.send(
        res,
        200,
        'backend/thread',
        await service.getThread(tenant(res), param(req, 'threadId')),
      );
    })
    .patch(validBody('backend/thread-update-request'), async (req, res) => {
      const patch = req.body as ThreadUpdateRequest;
      reply.send(
        res,
        200,
        'backend/thread',
        await service.updateThread(tenant(res), param(req, 'threadId'), patch),
      );
    })
    .delete(async (req, res) => {
      await service.deleteThread(tenant(res), param(req, 'threadId'));
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PATCH', 'DELETE'));

  app
    .route('/api/threads/:threadId/messages')
    .get(async (req, res) => {
      const page = await service.listMessages(
        tenant(res),
        param(req, 'threadId'),
        pageQuery(req.query),
      );
      reply.send(res, 200, 'backend/message-page', page);
    })
    .post(validBody('backend/message-create-request'), async (req, res) => {
      const key = idempotencyKey(req.headers['idempotency-key']);
      const { message, replayed } = await service.postMessage(
        tenant(res),
        param(req, 'threadId'),
        req.body as MessageCreateRequest,
        key,
      );
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.setHeader('Location', `/api/threads/${message.thread_id}/messages/${message.id}`);
      reply.send(res, 201, 'backend/message', message);
    })
    .all(methodNotAllowed('GET', 'POST'));

  app
    .route('/api/threads/:threadId/messages/:messageId')
    .get(async (req, res) => {
      const message = await service.getMessage(
        tenant(res),
        param(req, 'threadId'),
        param(req, 'messageId'),
      );
      reply.send(res, 200, 'backend/message', message);
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/api/threads/:threadId/runs')
    .post(validBody('backend/run-create-request'), async (req, res) => {
      const claims = res.locals.claims as AccessClaims;
      const run = await service.startRun(
        { tenantId: claims.tenant_id, userId: claims.sub },
        param(req, 'threadId'),
        req.body as RunCreateRequest,
        traceIdOf(res)!,
      );
      res.setHeader('Location', `/api/runs/${run.id}`);
      reply.send(res, 202, 'backend/run', run);
    })
    .all(methodNotAllowed('POST'));

  app
    .route('/api/runs/:runId')
    .get(async (req, res) => {
      reply.send(res, 200, 'backend/run', await service.getRun(tenant(res), param(req, 'runId')));
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/api/runs/:runId/events')
    .get(async (req, res) => {
      const afterSeq = integerQuery(req.query.after_seq, 'after_seq', {
        ...afterSeqRange,
        fallback: 0,
      });
      const limit = integerQuery(req.query.limit, 'limit', { min: 1, max: 100, fallback: 50 });
      const page = await service.runEvents(tenant(res), param(req, 'runId'), afterSeq, limit);
      reply.send(res, 200, 'backend/run-event-page', page);
    })
    .all(methodNotAllowed('GET'));

  if (deps.providerStates) providerStatesRoutes(app, deps.providerStates);

  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}

function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw validationFailed('headers', [
      { path: '/Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return header;
}
