import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { silentLogger } from '../runtime/logger.js';
import { problemHandler } from './problems.js';
import { urlGuard } from './url-guard.js';

describe('urlGuard', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.use(urlGuard());
    app.get('/things/:name', (req: express.Request, res: express.Response) => {
      res.json({ name: req.params.name, query: req.query as unknown });
    });
    app.use(problemHandler(silentLogger));
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const issues = (body: Record<string, unknown>) =>
    (body.errors as { path: string; message: string }[]).map((e) => `${e.path} ${e.message}`);

  it.each([
    ['an encoded surrogate', '/things/%ED%A0%80'],
    ['an overlong NUL', '/things/%C0%80'],
    ['a stray byte', '/things/%FF'],
    ['a broken escape', '/things/%zz'],
  ])('refuses %s in the path with 400 problem+json', async (_what, path) => {
    const answer = await get(path);
    expect(answer).toMatchObject({ status: 400, body: { code: 'malformed_url' } });
    expect(answer.type).toMatch(/^application\/problem\+json/);
  });

  it('refuses undecodable query text, naming the parameter', async () => {
    const answer = await get('/things/a?ok=1&limit=%ED%A0%80');
    expect(answer).toMatchObject({ status: 400, body: { code: 'malformed_url' } });
    expect(answer.body.detail).toMatch(/parameter "limit"/);
    expect((await get('/things/a?%C0%80=1')).body.detail).toMatch(/^a parameter/);
  });

  it('refuses NUL in a query value or name with 422 naming the parameter', async () => {
    const answer = await get('/things/a?q=a%00b');
    expect(answer).toMatchObject({ status: 422, body: { code: 'validation_failed' } });
    expect(issues(answer.body)).toEqual(['/q contains NUL (U+0000), which cannot be stored']);
    expect(issues((await get('/things/a?a%00=1')).body)).toEqual([
      '/ contains NUL (U+0000), which cannot be stored',
    ]);
  });

  it('passes well-formed text on, leaving NUL in a path parameter to the route', async () => {
    expect(await get('/things/caf%C3%A9?q=a+b&r=%F0%9F%98%80&flag')).toMatchObject({
      status: 200,
      body: { name: 'café', query: { q: 'a b', r: '😀', flag: '' } },
    });
    expect((await get('/things/a%00b')).body).toMatchObject({ name: 'a\u0000b' });
  });
});
