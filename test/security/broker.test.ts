import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import {
  allHttpCases,
  hasInputs,
  mutationCase,
  mutations,
  siblings,
  type HttpCase,
  type HttpRequest,
} from './corpus.js';
import { checkProperty, propertyTimeout } from './fuzz.js';
import { HttpProbe, Store, formatFailures } from './harness.js';
import {
  CONSUMER,
  PROVIDER,
  READ_TOKEN,
  VERSION,
  WRITE_TOKEN,
  brokerFixture,
  brokerRouteList,
  publishBody,
  webhookBody,
  type BrokerState,
} from './broker-fixture.js';
import { routeKey } from './routes.js';

// The security corpus against the broker with a read-write and a read-only
// token: every route its express app serves. See docs/security.md.

const ROUTE_TIMEOUT = 120_000;

describe('security corpus: the broker', () => {
  let broker: BrokerUnderTest;
  let state: BrokerState;
  let store: Store;
  let probe: HttpProbe;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${broker.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${WRITE_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/hal+json',
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const asksProblem = (request: HttpRequest) =>
    request.headers.accept?.includes('application/problem+json') === true;
  const asksForProblem = (c: HttpCase): HttpCase => {
    const ask = (request: HttpRequest): HttpRequest => ({
      ...request,
      headers: { ...request.headers, accept: 'application/problem+json' },
    });
    return { ...c, request: ask(c.request), ...(c.twin ? { twin: ask(c.twin) } : {}) };
  };
  const lastSegment = (href: unknown) => String(href).split('/').at(-1)!;

  beforeAll(async () => {
    broker = await startBrokerForTest({
      env: { PACT_BROKER_TOKEN: WRITE_TOKEN, PACT_BROKER_READ_TOKEN: READ_TOKEN },
      webhooks: {
        hosts: ['127.0.0.1'],
        allowLocal: true,
        schemes: ['http'],
        retrySchedule: [],
        timeoutSeconds: 1,
      },
    });
    await call('POST', '/contracts/publish', publishBody());
    await call('POST', '/pacticipants', { name: 'for-verification' });
    const pact = await call(
      'GET',
      `/pacts/provider/${PROVIDER}/consumer/${CONSUMER}/version/${VERSION}`,
    );
    const links = pact._links as Record<string, { href: string; name?: string }>;
    const sha = /pact-version\/([^/]+)/.exec(links['pb:publish-verification-results']!.href)![1]!;
    await call(
      'POST',
      `/pacts/provider/${PROVIDER}/consumer/${CONSUMER}/pact-version/${sha}/verification-results`,
      {
        success: true,
        providerApplicationVersion: '1.0.0',
      },
    );
    const environment = String(
      (await call('POST', '/environments', { name: 'corpus-env', production: false })).uuid,
    );
    const at = `/pacticipants/${CONSUMER}/versions/${VERSION}`;
    const deployed = String(
      (await call('POST', `${at}/deployed-versions/environment/${environment}`, {})).uuid,
    );
    const released = String(
      (await call('POST', `${at}/released-versions/environment/${environment}`)).uuid,
    );
    const webhook = lastSegment(
      ((await call('POST', '/webhooks', webhookBody()))._links as { self: { href: string } }).self
        .href,
    );
    state = { sha, environment, deployed, released, webhook };
    // Webhooks fire in the background; their runs are the dispatcher's own record.
    store = new Store(broker.postgres.connectionString, [
      'broker_triggered_webhooks',
      'broker_webhook_executions',
    ]);
    // Errors as the Pact Broker answers them: validation_failed is a 400, and
    // the problem goes as HAL (`errors` as the Pact Broker's map of messages by
    // field) unless the request asks for problem+json (`errors` as meshpact's list).
    probe = new HttpProbe(broker.url, store, {
      foreignMembers: ['errors', 'error'],
      statuses: { validation_failed: 400 },
      mediaType: (request) =>
        asksProblem(request)
          ? 'application/problem+json;charset=utf-8'
          : 'application/hal+json;charset=utf-8',
      checkForeign: (json, request) => {
        const { errors, error } = json;
        if (asksProblem(request))
          return errors === undefined || Array.isArray(errors)
            ? undefined
            : `problem+json errors is not a list: ${JSON.stringify(errors)}`;
        if (errors === undefined)
          return typeof error === 'string' ? undefined : 'a HAL error without `error` or `errors`';
        const strings = (value: unknown) =>
          Array.isArray(value) && value.every((item) => typeof item === 'string');
        const map =
          typeof errors === 'object' && errors !== null && Object.values(errors).every(strings);
        return strings(errors) || map
          ? undefined
          : `HAL errors is neither the Pact Broker's map nor a list of sentences: ${JSON.stringify(errors)}`;
      },
    });
  });
  afterAll(async () => {
    await store?.close();
    await broker?.close();
  });

  const routes = brokerRouteList();
  const shared = siblings(routes);
  for (const route of routes) {
    it(
      `${routeKey(route)} refuses the corpus`,
      async () => {
        const cases = allHttpCases(route, brokerFixture(state), { sibling: shared.has(route) });
        const failures = await probe.runAll(cases);
        if (failures.length > 0) throw new Error(formatFailures(failures, cases.length));
      },
      ROUTE_TIMEOUT,
    );
    if (hasInputs(route))
      it(
        `${routeKey(route)} refuses generated input`,
        async () => {
          const fx = brokerFixture(state);
          // The corpus above sends no Accept, as Pact clients; half the generated
          // input (chosen by its own text, so a shrunk case keeps its half) asks
          // for problem+json, the other half gets HAL and the Pact Broker's `errors`.
          await checkProperty(routeKey(route), mutations(route, fx), (m) => {
            const sent = mutationCase(route, fx, m);
            return probe.run(JSON.stringify(m).length % 2 === 0 ? asksForProblem(sent) : sent);
          });
        },
        propertyTimeout,
      );
  }

  it('is still up and still refuses the read-only token a write', async () => {
    expect((await fetch(`${broker.url}/readyz`)).status).toBe(200);
    const write = await fetch(`${broker.url}/pacticipants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'corpus-after' }),
    });
    expect(write.status).toBe(403);
  });
});
