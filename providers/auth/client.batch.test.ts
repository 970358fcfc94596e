import { createServer, request as forward, type Server } from 'node:http';
import { ManualClock } from '../../src/runtime/clock.js';
import { createIntrospectionClient, type IntrospectionClient } from './client.js';
import { bearer, register, request } from './test-helpers.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';

// backend-api's introspection client when many of its requests ask at once
// (a thousand users starting runs together): one round trip answers them
// all, against a real auth-service behind a proxy that notes each request.

interface Noted {
  path: string;
  tokens: number;
  /** Set once auth-service has answered. */
  status?: number;
}

/** Forwards to `target`, noting each request as it arrives; held, it forwards nothing until released. */
async function notingProxy(target: string) {
  const noted: Noted[] = [];
  let held: (() => void)[] | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parsed = JSON.parse(body.toString('utf8')) as { tokens?: string[] };
      const note: Noted = { path: req.url ?? '', tokens: parsed.tokens?.length ?? 1 };
      noted.push(note);
      const send = () => {
        const upstream = forward(new URL(req.url ?? '/', target), {
          method: req.method,
          headers: req.headers,
        });
        upstream.on('response', (answer) => {
          note.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      };
      if (held) held.push(send);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    noted,
    hold: () => void (held ??= []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const send of waiting) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once `proxy` has noted `count` requests. */
async function noted(proxy: Awaited<ReturnType<typeof notingProxy>>, count: number) {
  while (proxy.noted.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
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
    expect(proxy.noted.map((n) => n.tokens).sort((a, b) => b - a)).toEqual([100, 100, 50]);
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

  it('answers a token no longer than auth-service takes without asking', async () => {
    await expect(client.introspect('x'.repeat(8193))).resolves.toEqual({ active: false });
    await expect(client.introspect('')).resolves.toEqual({ active: false });
    expect(proxy.noted).toEqual([]);
  });

  describe('while its requests are in flight', () => {
    afterEach(() => proxy.release());

    it('gathers the questions asked meanwhile into the next request', async () => {
      proxy.hold();
      // Four requests of 100 are as many as may be in flight.
      const first = Array.from({ length: 400 }, () => client.introspect(ann));
      await noted(proxy, 4);
      const later: Promise<unknown>[] = [];
      for (let turn = 0; turn < 5; turn++) {
        later.push(...Array.from({ length: 20 }, () => client.introspect(ann)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      proxy.release();
      await Promise.all([...first, ...later]);
      expect(proxy.noted.map((n) => n.tokens)).toEqual([100, 100, 100, 100, 100]);
    });

    it("counts the wait for a request to go in each question's timeout", async () => {
      const clock = new ManualClock(new Date());
      const timed = createIntrospectionClient({
        baseUrl: proxy.url,
        clientId: 'backend-api',
        clientSecret: 'test-introspection-secret',
        // Long enough that the real timers of the held requests cannot fire on a loaded machine.
        timeoutMs: 10_000,
        clock,
      });
      proxy.hold();
      const first = Array.from({ length: 400 }, () => timed.introspect(ann));
      await noted(proxy, 4);
      // The first batch to come back lets the waiting question go, and fail, before the others do.
      const waiting = expect(timed.introspect(ann)).rejects.toThrow(/within 10000 ms/);
      clock.advance(10);
      proxy.release();
      await Promise.all(first);
      await waiting;
      expect(proxy.noted).toHaveLength(4);
    });
  });
});
