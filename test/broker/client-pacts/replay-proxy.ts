import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { listen, type Listening } from '../../../src/runtime/listen.js';
import type { IdMap } from './states.js';

/**
 * The pacts' request paths that are not the broker's paths, as the Pact Broker
 * maps them for its own verification of these pacts
 * (spec/service_consumers/hal_relation_proxy_app.rb): the Ruby client's older
 * pact follows relations, so its consumer tests name each relation's target
 * with a placeholder instead of a real path.
 */
const PLACEHOLDER_PATHS: Record<string, string> = {
  '/HAL-REL-PLACEHOLDER-INDEX-PB-LATEST-TAGGED-VERSION-Condor-production':
    '/pacticipants/Condor/latest-version/production',
  '/HAL-REL-PLACEHOLDER-INDEX-PB-LATEST-VERSION-Condor': '/pacticipants/Condor/latest-version',
  '/HAL-REL-PLACEHOLDER-PB-WEBHOOKS': '/webhooks',
  '/HAL-REL-PLACEHOLDER-PB-ENVIRONMENTS': '/environments',
  '/HAL-REL-PLACEHOLDER-PB-PACTICIPANT-VERSION-Foo-5556b8149bf8bac76bc30f50a8a2dd4c22c85f30':
    '/pacticipants/Foo/versions/5556b8149bf8bac76bc30f50a8a2dd4c22c85f30',
  '/HAL-REL-PLACEHOLDER-PB-RECORD-DEPLOYMENT-FOO-5556B8149BF8BAC76BC30F50A8A2DD4C22C85F30-TEST':
    '/pacticipants/Foo/versions/5556b8149bf8bac76bc30f50a8a2dd4c22c85f30/deployed-versions/environment/cb632df3-0a0d-4227-aac3-60114dd36479',
  // The Pact Broker's own table sends this one to deployed-versions; the relation is pb:record-release.
  '/HAL-REL-PLACEHOLDER-PB-RECORD-RELEASE-FOO-5556B8149BF8BAC76BC30F50A8A2DD4C22C85F30-TEST':
    '/pacticipants/Foo/versions/5556b8149bf8bac76bc30f50a8a2dd4c22c85f30/released-versions/environment/cb632df3-0a0d-4227-aac3-60114dd36479',
  '/HAL-REL-PLACEHOLDER-PB-PUBLISH-CONTRACTS': '/contracts/publish',
  '/PLACEHOLDER-DEPLOYED-VERSION-ff3adecf-cfc5-4653-a4e3-f1861092f8e0':
    '/deployed-versions/ff3adecf-cfc5-4653-a4e3-f1861092f8e0',
  '/PLACEHOLDER-ENVIRONMENT-CURRENTLY-DEPLOYED-16926ef3-590f-4e3f-838e-719717aa88c9':
    '/environments/16926ef3-590f-4e3f-838e-719717aa88c9/deployed-versions/currently-deployed',
  '/HAL-REL-PLACEHOLDER-PB-ENVIRONMENT-16926ef3-590f-4e3f-838e-719717aa88c9':
    '/environments/16926ef3-590f-4e3f-838e-719717aa88c9',
  '/HAL-REL-PLACEHOLDER-PB-PACTICIPANT-BRANCH-Foo-main': '/pacticipants/Foo/branches/main',
};

/** A query's pairs, sorted: equal for two queries that differ only in order. */
const pairsKey = (query: string) =>
  [...new URLSearchParams(query)]
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join('&');

/**
 * The matrix selectors are Rack arrays (`q[][pacticipant]=Foo&q[][version]=1&q[][pacticipant]=Bar`),
 * whose meaning lives in the order of the pairs. The newer pact was written
 * through Pact's FFI, which stores a query as a map of lists, so it keeps
 * each key's values but not how the keys interleave. The older pact keeps the
 * client's real order; a query from the newer one is put back in that order.
 */
export function queryOrders(
  pactFiles: readonly { interactions: unknown[] }[],
): Map<string, string> {
  const orders = new Map<string, string>();
  for (const pact of pactFiles)
    for (const interaction of pact.interactions as { request: { query?: unknown } }[]) {
      const query = interaction.request.query;
      if (typeof query !== 'string' || !/%5B%5D/i.test(query)) continue;
      orders.set(pairsKey(query), query);
    }
  return orders;
}

export interface ReplayProxy extends Listening {
  /** Where requests go from now on, and the ids to swap into their paths. */
  target(url: string, ids: IdMap): void;
}

/**
 * Stands where the verifier sends its requests, in front of whichever fresh
 * broker serves the current interaction, so the verifier keeps one URL.
 */
export async function startReplayProxy(orders: Map<string, string>): Promise<ReplayProxy> {
  let current: { url: string; ids: IdMap } | undefined;
  const server = createServer((req, res) => {
    if (!current) {
      res.writeHead(503).end('no broker yet');
      return;
    }
    forward(req, res, current.url, rewrite(req.url ?? '/', current.ids, orders));
  });
  const listening = await listen(server);
  return {
    ...listening,
    target(url, ids) {
      current = { url, ids };
    },
  };
}

function rewrite(url: string, ids: IdMap, orders: Map<string, string>): string {
  const [rawPath = '/', query] = url.split(/\?(.*)/s, 2);
  let path = PLACEHOLDER_PATHS[rawPath] ?? rawPath;
  for (const [named, real] of ids) path = path.replaceAll(named, real);
  if (query === undefined) return path;
  return `${path}?${orders.get(pairsKey(query)) ?? query}`;
}

function forward(req: IncomingMessage, res: ServerResponse, target: string, path: string) {
  const upstream = httpRequest(
    new URL(path, target),
    { method: req.method, headers: req.headers, timeout: 10_000 },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error('the broker did not answer in 10 s')));
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String(error));
  });
  req.pipe(upstream);
}
