import { createServer } from 'node:http';
import { connect } from 'node:net';
import { listen } from './listen.js';
import { untilSignal } from './signals.js';
import { Supervisor } from './supervisor.js';

/** Writes raw bytes to a server and resolves with all it answers before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('listen', () => {
  it.each([
    [
      'a request line over 16 KB',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['a request that is not HTTP', 'GARBAGE\r\n\r\n', 400, 'malformed_request'],
    [
      'two Content-Lengths',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      400,
      'malformed_request',
    ],
  ])(
    'answers %s that never reaches a route with problem+json',
    async (_what, bytes, status, code) => {
      const listening = await listen(createServer((_req, res) => res.end('routed')));
      try {
        const answer = await rawExchange(listening.port, bytes);
        const [head, body] = answer.split('\r\n\r\n') as [string, string];
        expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        expect(head).toMatch(/content-type: application\/problem\+json/i);
        expect(JSON.parse(body)).toMatchObject({ status, code });
      } finally {
        await listening.close();
      }
    },
  );

  it('listens on a free port and answers on the URL it returns', async () => {
    const server = createServer((_req, res) => res.end('pong'));
    const listening = await listen(server);
    try {
      expect(listening.url).toBe(`http://127.0.0.1:${listening.port}`);
      expect(listening.port).toBeGreaterThan(0);
      const response = await fetch(`${listening.url}/`);
      expect(await response.text()).toBe('pong');
    } finally {
      await listening.close();
    }
    await expect(fetch(listening.url)).rejects.toThrow();
  });

  it('lets an in-flight request finish before it closes', async () => {
    let release!: () => void;
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer((_req, res) => {
      release = () => res.end('done');
      arrived();
    });
    const listening = await listen(server);
    const pending = fetch(listening.url).then((r) => r.text());
    await requestArrived;
    const closed = listening.close();
    release();
    await expect(pending).resolves.toBe('done');
    await closed;
  });

  it('drops connections still open after the grace period', async () => {
    const server = createServer(() => undefined); // never answers
    const listening = await listen(server, { graceMs: 50 });
    const pending = fetch(listening.url).then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await listening.close();
    expect(await pending).toBe('fetch failed');
  });

  it('fails clearly when the port is taken', async () => {
    const first = await listen(createServer());
    try {
      await expect(listen(createServer(), { port: first.port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await first.close();
    }
  });
});

describe('Supervisor', () => {
  it('stops what it owns in reverse order, once, and reports failures without stopping early', async () => {
    const stopped: string[] = [];
    const supervisor = new Supervisor();
    const resource = (name: string, fail = false) => ({
      close: () => {
        stopped.push(name);
        return fail ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
    });
    supervisor.own('postgres', resource('postgres'));
    supervisor.own('pool', resource('pool', true));
    supervisor.own('server', resource('server'));

    const errors = await supervisor.stop();
    expect(stopped).toEqual(['server', 'pool', 'postgres']);
    expect(errors.map((e) => e.message)).toEqual(['stopping pool: boom']);
    await supervisor.stop();
    expect(stopped).toHaveLength(3);
    expect(() => supervisor.own('late', resource('late'))).toThrow('shutting down');
  });
});

describe('untilSignal', () => {
  it('removes its listeners when cancelled, and resolves with undefined', async () => {
    const before = process.listenerCount('SIGINT');
    const cancel = new AbortController();
    const waiting = untilSignal(cancel.signal);
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    cancel.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('resolves with the signal that came, and stands ready to exit on a second', async () => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const before = signals.map((s) => process.listeners(s));
    const waiting = untilSignal();
    process.emit('SIGTERM', 'SIGTERM');
    await expect(waiting).resolves.toBe('SIGTERM');
    signals.forEach((signal, i) => {
      const added = process.listeners(signal).filter((l) => !before[i]?.includes(l));
      expect(added).toHaveLength(1); // the exit-at-once handler
      for (const listener of added) process.off(signal, listener as () => void);
    });
  });
});
