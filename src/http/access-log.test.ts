import { createServer } from 'node:http';
import express from 'express';
import { MeshpactError } from '../errors/meshpact-error.js';
import { listen, type Listening } from '../runtime/listen.js';
import { createLogger } from '../runtime/logger.js';
import { parseTraceparent } from '../runtime/traceparent.js';
import { accessLog, identify, notAWrite } from './access-log.js';
import { healthRoutes } from './health.js';
import { jsonBody } from './json-body.js';
import { notFound, problemHandler } from './problems.js';
import { createResponder } from './schema-io.js';

const secret = 'Bearer s3cr3t-token-value';
const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${trace}-00f067aa0ba902b7-01`;
const alice = { user: 'b1c5…alice', tenant: 'acme' };

type Line = Record<string, unknown>;

describe('accessLog', () => {
  let server: Listening;
  const lines: Line[] = [];
  const raw: string[] = [];

  beforeAll(async () => {
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line) => (raw.push(line), lines.push(JSON.parse(line) as Line)) },
    });
    const app = express();
    app.use(accessLog(logger));
    healthRoutes(app, {
      db: { query: () => Promise.resolve({ rows: [] }) } as never,
      reply: createResponder('throw', logger),
    });
    app.use(...jsonBody({ limit: 1024 }));
    app.use((_req, res, next) => (identify(res, alice), next()));
    app.post('/things/:thingId/parts', (req, res) => {
      // After the body was read: the handler is still in the request's trace.
      logger.info('handled');
      res.setHeader('Location', `/things/${req.params.thingId}/parts/p1`);
      res.status(201).json({ id: 'p1' });
    });
    app.get('/things/:thingId', (_req, res) => {
      res.json({});
    });
    app.post('/questions', (_req, res) => {
      notAWrite(res);
      res.json({ answer: 42 });
    });
    app.delete('/things/:thingId', () => {
      throw new MeshpactError('thread_not_found', 'no such thing');
    });
    app.use(notFound, problemHandler(logger));
    server = await listen(createServer(app));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    lines.length = 0;
    raw.length = 0;
  });

  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: secret, 'content-type': 'application/json', ...headers },
      ...(method === 'POST' ? { body: JSON.stringify({ password: secret }) } : {}),
    });
  /** Lines are written when the response closes, which may be a moment after the client has it. */
  const untilLogged = async (count: number) => {
    while (lines.filter((l) => l.msg === 'request').length < count)
      await new Promise((resolve) => setImmediate(resolve));
  };

  describe('when a write succeeds in the caller’s trace', () => {
    it('answers in that trace and logs one access line and one audit line, with no header or body', async () => {
      const answer = await send('POST', '/things/t1/parts?q=secret-query', { traceparent });
      expect(answer.status).toBe(201);
      const answered = parseTraceparent(answer.headers.get('traceresponse'));
      expect(answered).toMatchObject({ traceId: trace, sampled: true });
      expect(answered?.spanId).not.toBe('00f067aa0ba902b7');
      await untilLogged(1);

      expect(lines.find((l) => l.msg === 'handled')).toMatchObject({ trace_id: trace });
      const access = lines.filter((l) => l.msg === 'request');
      expect(access).toEqual([
        expect.objectContaining({
          level: 30,
          method: 'POST',
          route: '/things/:thingId/parts',
          status: 201,
          duration_ms: expect.any(Number) as number,
          trace_id: trace,
          ...alice,
        }),
      ]);
      expect(lines.filter((l) => l.audit === true)).toEqual([
        expect.objectContaining({
          msg: 'audit',
          action: 'POST /things/:thingId/parts',
          params: { thingId: 't1' },
          created: '/things/t1/parts/p1',
          status: 201,
          trace_id: trace,
          ...alice,
        }),
      ]);
      expect(raw.join('')).not.toMatch(/s3cr3t|secret-query/);
    });
  });

  describe('when a request reads, only asks, or fails', () => {
    it('logs its access line and no audit line', async () => {
      await send('GET', '/things/t1');
      await send('POST', '/questions');
      await send('DELETE', '/things/t1');
      await send('PUT', '/nowhere');
      await untilLogged(4);
      expect(lines.filter((l) => l.msg === 'request').map((l) => [l.route, l.status])).toEqual([
        ['/things/:thingId', 200],
        ['/questions', 200],
        ['/things/:thingId', 404],
        [undefined, 404],
      ]);
      expect(lines.filter((l) => l.audit === true)).toEqual([]);
    });
  });

  describe('when a request fails', () => {
    it('answers a problem whose trace_id is the trace it answered in, and logged', async () => {
      const answer = await send('DELETE', '/things/t1', { traceparent });
      const problem = (await answer.json()) as { code: string; trace_id: string };
      expect(problem).toMatchObject({ code: 'thread_not_found', trace_id: trace });
      await untilLogged(1);
      expect(lines.find((l) => l.msg === 'request')).toMatchObject({
        status: 404,
        trace_id: trace,
      });
    });
  });

  describe.each([
    ['malformed', 'not-a-traceparent'],
    ['all zero', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['huge', `01-${trace}-00f067aa0ba902b7-01-${'x'.repeat(16_000)}`],
    ['upper case', traceparent.toUpperCase()],
  ])('when the traceparent is %s', (_what, header) => {
    it('serves the request in a trace of its own', async () => {
      const answer = await send('GET', '/things/t1', { traceparent: header });
      expect(answer.status).toBe(200);
      const answered = parseTraceparent(answer.headers.get('traceresponse'));
      expect(answered?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(answered?.traceId).not.toBe(trace);
      await untilLogged(1);
      expect(lines.find((l) => l.msg === 'request')).toMatchObject({
        trace_id: answered?.traceId,
      });
    });
  });

  describe('when a health probe asks', () => {
    it('logs its line at debug, so probes do not drown the info lines', async () => {
      await send('GET', '/healthz');
      await untilLogged(1);
      expect(lines.find((l) => l.msg === 'request')).toMatchObject({
        level: 20,
        route: '/healthz',
      });
    });
  });
});
