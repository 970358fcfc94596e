import pg from 'pg';
import { createApp } from '../../src/broker/app.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import { pactFile } from '../support/pacts.js';
import type { Fixture } from './corpus.js';
import { sqlTexts } from './hostile.js';
import {
  brokerRoutes,
  expressRoutes,
  routeKey,
  type Auth,
  type HttpRoute,
  type Param,
} from './routes.js';

// What the broker holds when the corpus runs: one pact between two
// pacticipants at version 1.0.0 (branch main, tag prod), verified once,
// deployed and released to an environment, and a webhook. Writes that the
// corpus expects to succeed go to another version, so reads keep their data.

export const CONSUMER = 'corpus-consumer';
export const PROVIDER = 'corpus-provider';
export const VERSION = '1.0.0';
/** The version routes that replace or delete are pointed at. */
export const SCRATCH_VERSION = '2.0.0-corpus';
export const READ_TOKEN = 'corpus-read-token';
export const WRITE_TOKEN = 'corpus-write-token';
/** Where webhooks call: a closed port on loopback (fetch refuses port 9 outright), so they fail at once. */
export const WEBHOOK_URL = 'http://127.0.0.1:2/corpus-hook';

export interface BrokerState {
  sha: string;
  environment: string;
  deployed: string;
  released: string;
  webhook: string;
}

export const pactBody = () => pactFile(CONSUMER, PROVIDER, ['an item']);

export const publishBody = () => ({
  pacticipantName: CONSUMER,
  pacticipantVersionNumber: VERSION,
  branch: 'main',
  tags: ['prod'],
  contracts: [
    {
      consumerName: CONSUMER,
      providerName: PROVIDER,
      specification: 'pact',
      contentType: 'application/json',
      content: Buffer.from(JSON.stringify(pactBody())).toString('base64'),
    },
  ],
});

export const webhookBody = () => ({
  description: 'corpus webhook',
  consumer: { name: CONSUMER },
  provider: { name: PROVIDER },
  events: [{ name: 'provider_verification_published' }],
  request: {
    method: 'POST',
    url: WEBHOOK_URL,
    headers: { 'Content-Type': 'application/json' },
    body: { consumer: '${pactbroker.consumerName}' },
  },
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const firstExample = (name: string) =>
  schemaRegistry().files.find((f) => f.name === name)?.schema.examples?.[0];

const bodies: Record<string, () => unknown> = {
  'POST /contracts/publish': publishBody,
  'PUT /pacts/provider/{provider}/consumer/{consumer}/version/{version}': pactBody,
  'PATCH /pacts/provider/{provider}/consumer/{consumer}/version/{version}': pactBody,
  'PUT /pacticipants/{name}/versions/{version}': () => ({
    buildUrl: 'https://ci.example.com/1',
    tags: [{ name: 'corpus' }],
  }),
  'PATCH /pacticipants/{name}/versions/{version}': () => ({ buildUrl: 'https://ci.example.com/2' }),
  'POST /pacticipants': () => ({
    name: 'corpus-new',
    displayName: 'Corpus new',
    mainBranch: 'main',
  }),
  'PUT /pacticipants/{name}': () => ({ displayName: 'Corpus consumer', mainBranch: 'main' }),
  'PATCH /pacticipants/{name}': () => ({ displayName: 'Corpus consumer' }),
  'POST /pacticipants/{name}/versions/{version}/deployed-versions/environment/{uuid}': () => ({
    applicationInstance: 'blue',
  }),
  'PATCH /deployed-versions/{uuid}': () => ({ currentlyDeployed: true }),
  'PATCH /released-versions/{uuid}': () => ({ currentlySupported: true }),
  'POST /environments': () => ({ name: 'corpus-other', production: false }),
  'PUT /environments/{uuid}': () => ({
    name: 'corpus-env',
    displayName: 'Corpus',
    production: false,
  }),
};

export function brokerFixture(state: BrokerState): Fixture {
  const names: Record<string, string> = {
    name: CONSUMER,
    consumer: CONSUMER,
    provider: PROVIDER,
    version: VERSION,
    tag: 'prod',
    branch: 'main',
    environment: state.environment,
    sha: state.sha,
    number: '1',
    metadata: 'e30',
  };
  const uuidOf = (path: string) =>
    path.startsWith('/webhooks/')
      ? state.webhook
      : path.startsWith('/deployed-versions/')
        ? state.deployed
        : path.startsWith('/released-versions/')
          ? state.released
          : path.startsWith('/triggered-webhooks/')
            ? 'corpus-no-such-triggered-webhook'
            : state.environment;
  const queries: Record<string, string> = {
    'q[][pacticipant]': CONSUMER,
    'q[][version]': VERSION,
    pacticipant: CONSUMER,
  };
  return {
    value(route: HttpRoute, param: Param) {
      if (param.in === 'query')
        return param.name === 'version' && route.path === '/can-i-deploy'
          ? VERSION
          : queries[param.name];
      if (param.name === 'uuid') return uuidOf(route.path);
      const replaces =
        ['PUT', 'PATCH', 'DELETE'].includes(route.method) &&
        !route.path.includes('deployed') &&
        !route.path.includes('released');
      if (param.name === 'version' && replaces) return SCRATCH_VERSION;
      return names[param.name] ?? 'x';
    },
    foreign: () => undefined,
    body(route) {
      const made = bodies[routeKey(route)];
      if (made) return made();
      if (route.bodyName === 'broker/webhook-request') return webhookBody();
      if (route.bodyName === 'broker/verification-result-request')
        return {
          success: true,
          providerApplicationVersion: '9.9.9',
          buildUrl: 'https://ci.example.com/9',
        };
      return firstExample(route.bodyName ?? '') ?? {};
    },
    credentials: (auth: Auth) => (auth === 'broker' ? bearer(WRITE_TOKEN) : {}),
    forged: (auth: Auth) =>
      auth === 'broker'
        ? [
            { name: 'none', headers: {} },
            { name: 'wrong token', headers: bearer('corpus-wrong-token') },
            { name: 'read token with a suffix', headers: bearer(`${READ_TOKEN}x`) },
            { name: 'write token prefix', headers: bearer(WRITE_TOKEN.slice(0, -1)) },
            {
              name: 'Basic',
              headers: {
                authorization: `Basic ${Buffer.from(`x:${WRITE_TOKEN}`).toString('base64')}`,
              },
            },
            { name: 'SQL', headers: bearer(String(sqlTexts[0]!.value)) },
          ]
        : [],
    readOnly: bearer(READ_TOKEN),
  };
}

export const placeholderBrokerState = (): BrokerState => ({
  sha: 'a'.repeat(40),
  environment: '10000000-0000-4000-8000-000000000001',
  deployed: '10000000-0000-4000-8000-000000000002',
  released: '10000000-0000-4000-8000-000000000003',
  webhook: 'corpus-webhook-0000001',
});

/** The broker's routes, read from an app whose pool is never connected. */
export const brokerRouteList = () =>
  brokerRoutes(
    expressRoutes(createApp({ db: new pg.Pool(), clock: systemClock, logger: silentLogger })),
  );
