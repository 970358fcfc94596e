import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { silentLogger } from '../runtime/logger.js';
import { jsonBody } from './json-body.js';
import { problemHandler } from './problems.js';

describe('jsonBody', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.post(
      '/services',
      ...jsonBody({ limit: 64 * 1024 }),
      (req: express.Request, res: express.Response) => {
        res.json({ got: req.body as unknown });
      },
    );
    app.post(
      '/deep',
      ...jsonBody({ limit: 64 * 1024, maxDepth: 3 }),
      (req: express.Request, res: express.Response) => {
        res.json({ got: req.body as unknown });
      },
    );
    app.use(problemHandler(silentLogger));
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = async (path: string, body: string | Buffer) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const issues = (body: Record<string, unknown>) =>
    (body.errors as { path: string; message: string }[]).map((e) => `${e.path} ${e.message}`);

  describe('when the body is not JSON', () => {
    it.each([
      ['{"password": "hunter2-secret", x}', 31],
      ['{"token": x"hunter2-secret"}', 10],
      ['"hunter2-secret', 15],
    ])('says where %j breaks, never what it says', async (text, at) => {
      const answer = await post('/services', text);
      expect(answer).toMatchObject({ status: 400, body: { code: 'malformed_json' } });
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(answer.body.detail).toBe(`the request body is not valid JSON (at character ${at})`);
      expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    });

    it('refuses bytes that are not UTF-8 instead of reading them as U+FFFD', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"a": "'),
        Buffer.from([0xc0, 0x80]),
        Buffer.from('"}'),
      ]);
      const answer = await post('/services', bytes);
      expect(answer).toMatchObject({ status: 400, body: { code: 'malformed_json' } });
      expect(answer.body.detail).toMatch(/not UTF-8/);
    });

    it('refuses a body that does not inflate as its Content-Encoding says, as bad input', async () => {
      const response = await fetch(`${url}/services`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: '{"not": "gzip"}',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'malformed_json' });
    });
  });

  describe('when the body holds what no store can keep', () => {
    it.each([
      ['NUL in a value', '{"title": "a\\u0000b"}', '/title', /NUL/],
      ['NUL in a key', '{"metadata": {"a\\u0000": 1}}', '/metadata', /key that contains NUL/],
      ['a lone surrogate', '{"metadata": {"a": ["\\ud800"]}}', '/metadata/a/0', /lone surrogate/],
    ])('refuses %s with 422 naming where', async (_what, text, path, message) => {
      const answer = await post('/services', text);
      expect(answer).toMatchObject({ status: 422, body: { code: 'validation_failed' } });
      expect(issues(answer.body)).toHaveLength(1);
      expect(issues(answer.body)[0]).toMatch(new RegExp(`^${path} .*${message.source}`));
    });

    it('refuses nesting past the bound given, and 64 levels by default', async () => {
      expect((await post('/deep', '[[[1]]]')).status).toBe(200);
      const answer = await post('/deep', '[[[[1]]]]');
      expect(answer).toMatchObject({ status: 422, body: { code: 'validation_failed' } });
      expect(issues(answer.body)).toEqual([
        '/0/0/0 nests deeper than 3 levels of arrays and objects',
      ]);
      expect((await post('/services', '['.repeat(64) + ']'.repeat(64))).status).toBe(200);
      expect((await post('/services', '['.repeat(65) + ']'.repeat(65))).status).toBe(422);
    });

    it('refuses 10,000 levels with a 422, not a stack overflow', async () => {
      const answer = await post('/services', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
      expect(answer).toMatchObject({ status: 422, body: { code: 'validation_failed' } });
    });
  });

  it('passes a well-formed body on, surrogate pairs included', async () => {
    const answer = await post('/services', '{"title": "\\ud83d\\ude00 ok"}');
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: { got: { title: '😀 ok' } },
    });
  });
});
