import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createApp as createAuthApp, type AuthAppDeps } from '../../providers/auth/app.js';
import { createApp as createBackendApp, type BackendAppDeps } from '../../providers/backend/app.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import { brokerRouteList } from './broker-fixture.js';
import { brokerBodies, expressRoutes, frameRoutes, openApiRoutes, routeKey } from './routes.js';
import { coverageTable } from './summary.js';

// The corpus attacks every route: the OpenAPI documents it reads name every
// route the services serve, every broker route that writes says what body it
// reads, the AsyncAPI document names every client frame, and docs/security.md
// shows the case counts the corpus has today.

// Parameter names differ in style (`:threadId`, `{thread_id}`); their places must not.
const served = (app: unknown) =>
  expressRoutes(app)
    .map((r) => routeKey({ method: r.method, path: r.path.replace(/:\w+/g, '{}') }))
    .sort();
const documented = (service: 'auth' | 'backend') =>
  openApiRoutes(service)
    .map((r) => routeKey({ method: r.method, path: r.path.replace(/\{\w+\}/g, '{}') }))
    .sort();

describe('the security corpus', () => {
  // Building an app reads no database: the pool is never connected.
  const db = new pg.Pool();
  afterAll(() => db.end());

  it('attacks every route auth-service serves', () => {
    const app = createAuthApp({
      db,
      clock: systemClock,
      logger: silentLogger,
      keys: {},
      settings: { trustedProxies: [] },
    } as unknown as AuthAppDeps);
    expect(documented('auth')).toEqual(served(app));
  });

  it('attacks every route backend-api serves', () => {
    const app = createBackendApp({
      db,
      logger: silentLogger,
      service: {},
      authenticator: {},
      readiness: {},
    } as unknown as BackendAppDeps);
    expect(documented('backend')).toEqual(served(app));
  });

  it('knows the body of every broker route that writes', () => {
    const writes = brokerRouteList()
      .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))
      .map(routeKey);
    expect(writes.filter((key) => !(key in brokerBodies))).toEqual([]);
    expect(Object.keys(brokerBodies).filter((key) => !writes.includes(key))).toEqual([]);
  });

  it('attacks every client frame of /ws', () => {
    const clientFrame = schemaRegistry().files.find((f) => f.name === 'events/client-frame')!;
    const members = (clientFrame.schema.oneOf as { $ref: string }[]).map(
      (m) => `events/${m.$ref.replace(/\.json$/, '')}`,
    );
    expect(
      frameRoutes()
        .map((f) => f.schemaName)
        .sort(),
    ).toEqual(members.sort());
  });

  it('is counted in docs/security.md as it is', () => {
    const doc = readFileSync(join(packageRoot(), 'docs/security.md'), 'utf8');
    const table = /<!-- corpus-counts -->\n([\s\S]*?)<!-- \/corpus-counts -->/.exec(doc)?.[1];
    // Compared cell by cell: prettier pads the Markdown table.
    const cells = (text: string | undefined) =>
      (text ?? '')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => line.split('|').map((cell) => cell.trim().replace(/^-+(:?)$/, '-$1')));
    expect(cells(table)).toEqual(cells(coverageTable()));
  });
});
