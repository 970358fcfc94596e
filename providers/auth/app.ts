import express, { type Express, type RequestHandler, type Response } from 'express';
import type pg from 'pg';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { bearerToken } from '../../src/http/bearer.js';
import { healthRoutes } from '../../src/http/health.js';
import { jsonBody } from '../../src/http/json-body.js';
import { accessLog, identify, notAWrite } from '../../src/http/access-log.js';
import { methodNotAllowed, notFound, problemHandler } from '../../src/http/problems.js';
import { createResponder, validBody, type ResponseCheck } from '../../src/http/schema-io.js';
import { urlGuard } from '../../src/http/url-guard.js';
import type { Clock } from '../../src/runtime/clock.js';
import type { Logger } from '../../src/runtime/logger.js';
import type {
  IntrospectionBatchRequest,
  IntrospectionBatchResponse,
  IntrospectionRequest,
  LoginRequest,
  RefreshRequest,
  RegisterRequest,
  TokenResponse,
} from '../../src/schemas/types.generated.js';
import { AuthService } from './auth.service.js';
import type { AccessClaims } from './claims.js';
import type { StateModule } from '../shared/provider-states.js';
import { providerStatesRoutes } from '../shared/provider-states.routes.js';
import type { AuthSettings } from './config.js';
import type { KeyRing } from './tokens.js';

export interface AuthAppDeps {
  db: pg.Pool;
  keys: KeyRing;
  settings: AuthSettings;
  clock: Clock;
  logger: Logger;
  /** `throw` in tests: a response that breaks its schema becomes a 500. */
  responseCheck?: ResponseCheck;
  /** Served at POST /_pact/provider-states only when given (PACT_PROVIDER_STATES=on). */
  providerStates?: StateModule[];
}

const BODY_LIMIT = 64 * 1024;

/** auth-service as an express app that does not listen; `start()` in server.ts listens. */
export function createApp(deps: AuthAppDeps): Express {
  const service = new AuthService(deps);
  const reply = createResponder(deps.responseCheck ?? 'log', deps.logger);
  const app = express();
  app.disable('x-powered-by');
  // Only then is X-Forwarded-For believed, and only its hops added by these proxies.
  if (deps.settings.trustedProxies.length > 0)
    app.set('trust proxy', [...deps.settings.trustedProxies]);
  app.use(accessLog(deps.logger), urlGuard(), ...jsonBody({ limit: BODY_LIMIT }));

  const bearer: RequestHandler = async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="meshpact"');
      throw new MeshpactError('unauthorized', 'send Authorization: Bearer <access token>');
    }
    const claims = await service.authenticate(token);
    if (!claims) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="meshpact", error="invalid_token"');
      throw new MeshpactError('unauthorized', 'the access token is invalid, expired or revoked');
    }
    res.locals.claims = claims;
    identify(res, { user: claims.sub, tenant: claims.tenant_id });
    next();
  };

  const serviceClient: RequestHandler = (req, res, next) => {
    const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(req.headers.authorization ?? '');
    const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const at = decoded.indexOf(':');
    if (at < 1 || !service.isIntrospectionClient(decoded.slice(0, at), decoded.slice(at + 1))) {
      res.setHeader('WWW-Authenticate', 'Basic realm="meshpact-introspect"');
      throw new MeshpactError(
        'invalid_client',
        'introspection needs HTTP Basic service credentials',
      );
    }
    identify(res, { client: decoded.slice(0, at) });
    // A question about a token, sent with every write backend-api serves: no audit line of its own.
    notAWrite(res);
    next();
  };

  const noStore: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  healthRoutes(app, { db: deps.db, reply });

  app
    .route('/.well-known/jwks.json')
    .get(async (_req, res) => {
      // Short, so a rotated key reaches verifiers soon; they also refetch on an unknown kid.
      res.setHeader('Cache-Control', 'public, max-age=60');
      reply.send(res, 200, 'auth/jwks', await deps.keys.jwks());
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/auth/register')
    .post(noStore, validBody('auth/register-request'), async (req, res) => {
      reply.send(
        res,
        201,
        'auth/token-response',
        signedIn(res, await service.register(req.body as RegisterRequest)),
      );
    })
    .all(methodNotAllowed('POST'));

  app
    .route('/auth/login')
    .post(noStore, validBody('auth/login-request'), async (req, res) => {
      const address = req.ip ?? 'unknown';
      reply.send(
        res,
        200,
        'auth/token-response',
        signedIn(res, await service.login(req.body as LoginRequest, address)),
      );
    })
    .all(methodNotAllowed('POST'));

  app
    .route('/auth/refresh')
    .post(noStore, validBody('auth/refresh-request'), async (req, res) => {
      const { refresh_token } = req.body as RefreshRequest;
      reply.send(
        res,
        200,
        'auth/token-response',
        signedIn(res, await service.refresh(refresh_token)),
      );
    })
    .all(methodNotAllowed('POST'));

  app
    .route('/auth/logout')
    .post(bearer, async (_req, res) => {
      await service.logout(res.locals.claims as AccessClaims);
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));

  app
    .route('/auth/me')
    .get(bearer, async (_req, res) => {
      reply.send(res, 200, 'auth/user', await service.me(res.locals.claims as AccessClaims));
    })
    .all(methodNotAllowed('GET'));

  app
    .route('/auth/introspect')
    .post(noStore, serviceClient, validBody('auth/introspection-request'), async (req, res) => {
      const { token } = req.body as IntrospectionRequest;
      reply.send(res, 200, 'auth/introspection-response', await service.introspect(token));
    })
    .all(methodNotAllowed('POST'));

  app
    .route('/auth/introspect/batch')
    .post(
      noStore,
      serviceClient,
      validBody('auth/introspection-batch-request'),
      async (req, res) => {
        const { tokens } = req.body as IntrospectionBatchRequest;
        // As many answers as tokens, and the schema asks for at least one token.
        const results = (await service.introspectAll(
          tokens,
        )) as IntrospectionBatchResponse['results'];
        reply.send(res, 200, 'auth/introspection-batch-response', { results });
      },
    )
    .all(methodNotAllowed('POST'));

  if (deps.providerStates) providerStatesRoutes(app, deps.providerStates);

  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}

/** register, login and refresh learn who the caller is from their own answer: the log lines name that user. */
function signedIn(res: Response, tokens: TokenResponse): TokenResponse {
  identify(res, { user: tokens.user.id, tenant: tokens.user.tenant_id });
  return tokens;
}
