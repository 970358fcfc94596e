import { createServer, request as forward, type Server } from 'node:http';
import { createIntrospectionClient, type IntrospectionClient } from './client.js';
import { bearer, register, request } from './test-helpers.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';

// backend-api's introspection client when many of its requests ask at once
// (a thousand users starting runs together): one round trip answers them
// all, against a real auth-service behind a proxy that notes each request.

interface Noted {
  path: string;
  tokens: number;
  status: number;
}

async function notingProxy(target: string) {
  const noted: Noted[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parsed = JSON.parse(body.toString('utf8')) as { token?: string; tokens?: string[] };
      const upstream = forward(new URL(req.url ?? '/', target), {
        method: req.method,
        headers: req.headers,
      });
      upstream.on('response', (answer) => {
        noted.push({
          path: req.url ?? '',
          tokens: parsed.tokens?.length ?? 1,
          status: answer.statusCode ?? 0,
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    noted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the introspection client, when many ask at once', () => {
  let auth: AuthUnderTest;
  let proxy: Awaited<ReturnType<typeof notingProxy>>;
  let client: IntrospectionClient;
  let ann: string;
  let ben: string;

  beforeAll(async () => {
    auth = await startAuthForTest();
    proxy = await notingProxy(auth.url);
    ann = (await register(auth.url, 'ann@example.com')).access_token;
    ben = (await register(auth.url, 'ben@example.com')).access_token;
    await request(auth.url, 'POST', '/auth/logout', { headers: bearer(ben) });
  });
  afterAll(async () => {
    await proxy.close();
    await auth.close();
  });
  beforeEach(() => {
    proxy.noted.length = 0;
    client = createIntrospectionClient({
      baseUrl: proxy.url,
      clientId: 'backend-api',
      clientSecret: 'test-introspection-secret',
    });
  });

  it('asks /auth/introspect about a token asked about alone', async () => {
    await expect(client.introspect(ann)).resolves.toMatchObject({ active: true });
    expect(proxy.noted).toEqual([{ path: '/auth/introspect', tokens: 1, status: 200 }]);
  });

  it('asks about tokens asked together in one request, and gives each its own answer', async () => {
    const answers = await Promise.all([ann, ben, 'nope', ann].map((t) => client.introspect(t)));
    expect(answers.map((answer) => answer.active)).toEqual([true, false, false, true]);
    expect(proxy.noted).toEqual([{ path: '/auth/introspect/batch', tokens: 4, status: 200 }]);
  });

  it('asks about at most 100 tokens a request', async () => {
    const answers = await Promise.all(Array.from({ length: 250 }, () => client.introspect(ann)));
    expect(answers.every((answer) => answer.active)).toBe(true);
    expect(proxy.noted.map((n) => n.tokens)).toEqual([100, 100, 50]);
  });

  it("keeps each request's body under auth-service's 64 KiB limit", async () => {
    const long = (i: number) => `${'x'.repeat(2_000)}${i}`;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.introspect(long(i))),
    );
    expect(answers.every((answer) => !answer.active)).toBe(true);
    expect(proxy.noted.length).toBeGreaterThan(1);
    expect(proxy.noted.every((n) => n.status === 200)).toBe(true);
    expect(proxy.noted.reduce((sum, n) => sum + n.tokens, 0)).toBe(100);
  });

  it('gathers the questions asked while its requests are in flight into the next', async () => {
    // Four requests of 100 fill what may be in flight; the fifth hundred waits and goes as one.
    const first = Array.from({ length: 400 }, () => client.introspect(ann));
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 100 }, () => client.introspect(ann));
    await Promise.all([...first, ...later]);
    expect(proxy.noted.map((n) => n.tokens)).toEqual([100, 100, 100, 100, 100]);
  });
});
