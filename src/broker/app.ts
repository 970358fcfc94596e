import express, { type Express } from 'express';
import { healthRoutes } from '../http/health.js';
import { jsonBody } from '../http/json-body.js';
import { accessLog } from '../http/access-log.js';
import { notFound, problemHandler } from '../http/problems.js';
import { createResponder } from '../http/schema-io.js';
import { urlGuard } from '../http/url-guard.js';
import { brokerAuthentication, hasTokens, type BrokerTokens } from './access.js';
import { BROKER_MAX_DEPTH, type BrokerDeps } from './context.js';
import { ignoreEvents, type BrokerEventSink } from './events.js';
import { asPactBrokerProblem, brokerProblemMediaType } from './problems.js';
import { deploymentRoutes } from './routes/deployments.js';
import { branchPactVersionRoutes } from './routes/branch-pact-versions.js';
import { environmentRoutes } from './routes/environments.js';
import { forVerificationRoutes } from './routes/for-verification.js';
import { indexRoutes } from './routes/index-route.js';
import { matrixRoutes } from './routes/matrix.js';
import { pacticipantRoutes } from './routes/pacticipants.js';
import { pactRoutes } from './routes/pacts.js';
import { providerPactRoutes } from './routes/provider-pacts.js';
import { providerStateRoutes } from './routes/provider-states.js';
import { publishRoutes } from './routes/publish.js';
import { verificationRoutes } from './routes/verifications.js';
import { versionRoutes } from './routes/versions.js';
import { webhookRoutes } from './routes/webhooks.js';
import { defaultWebhookSettings, type WebhookSettings } from './webhook-rules.js';

export interface BrokerAppDeps extends BrokerDeps {
  tokens?: BrokerTokens;
  /** Told about publications (and later verifications); webhooks are one such sink. */
  events?: BrokerEventSink;
  /** What webhooks may do; the defaults when unset (local targets refused when there are tokens). */
  webhooks?: WebhookSettings;
}

/** Pacts can be large; a pact file of several MB is not unusual. */
const BODY_LIMIT = 16 * 1024 * 1024;

/** The broker as an express app that does not listen; `start()` in server.ts listens. */
export function createApp(deps: BrokerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const withEvents = { ...deps, events: deps.events ?? ignoreEvents };
  app.use(accessLog(deps.logger));
  healthRoutes(app, { db: deps.db, reply: createResponder('log', deps.logger) });
  app.use((_req, res, next) => {
    res.setHeader('X-Pact-Broker-Version', 'meshpact');
    next();
  });
  app.use(
    brokerAuthentication(deps.tokens ?? {}),
    urlGuard((name) => name),
    ...jsonBody({ limit: BODY_LIMIT, maxDepth: BROKER_MAX_DEPTH }),
  );
  app.use(indexRoutes(deps));
  app.use(publishRoutes(withEvents));
  app.use(pacticipantRoutes(deps));
  app.use(versionRoutes(deps));
  const webhooks = deps.webhooks ?? {
    ...defaultWebhookSettings,
    allowLocal: !hasTokens(deps.tokens ?? {}),
  };
  app.use(webhookRoutes({ ...deps, webhooks }));
  app.use(pactRoutes(withEvents));
  app.use(branchPactVersionRoutes(deps));
  app.use(providerPactRoutes(deps));
  app.use(providerStateRoutes(deps));
  app.use(forVerificationRoutes(deps));
  app.use(verificationRoutes(withEvents));
  app.use(matrixRoutes(deps));
  app.use(environmentRoutes(deps));
  app.use(deploymentRoutes(deps));
  app.use(notFound);
  app.use(
    problemHandler(deps.logger, {
      mediaType: brokerProblemMediaType,
      adapt: asPactBrokerProblem,
    }),
  );
  return app;
}
