import type pg from 'pg';
import { systemClock } from '../runtime/clock.js';
import { silentLogger } from '../runtime/logger.js';
import { reads, writes } from './access.js';
import { createApp } from './app.js';
import { brokerRoutes } from './testing.js';

// Access is declared by each route, not derived from its path: these read the
// declarations off the app itself, so a route added later is held to them too.

describe('broker access', () => {
  const app = createApp({ db: {} as pg.Pool, clock: systemClock, logger: silentLogger });
  // The health checks answer before authentication, for load balancers.
  const health = new Set(['/healthz', '/readyz']);
  const routes = brokerRoutes(app).filter((route) => !health.has(route.path));
  const named = (list: typeof routes) => list.map((route) => `${route.method} ${route.path}`);

  it('finds every route of the app', () => {
    expect(routes.length).toBeGreaterThan(70);
    expect(named(routes)).toContain('POST /webhooks/consumer/:consumer');
  });

  it('has every route begin with reads or writes', () => {
    expect(named(routes.filter((r) => r.first !== reads && r.first !== writes))).toEqual([]);
  });

  it('lets a read-only token make no request but GETs and asking which pacts to verify', () => {
    expect(named(routes.filter((r) => r.first === reads && r.method !== 'GET'))).toEqual([
      'POST /pacts/provider/:provider/for-verification',
    ]);
  });

  it('asks for the read-write token on every other method', () => {
    expect(named(routes.filter((r) => r.first === writes && r.method === 'GET'))).toEqual([]);
  });
});
