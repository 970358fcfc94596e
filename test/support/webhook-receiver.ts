import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../src/runtime/listen.js';

// A real HTTP server on a free port that webhooks call: it records each
// request and answers as the test tells it, per path.

export interface ReceivedRequest {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What to do with the nth request (from 0) to a path: answer with a status, or never answer. */
export type Answer = (index: number) => number | 'hang';

export interface WebhookReceiver {
  readonly url: string;
  /** Requests to `path` so far. */
  received(path: string): ReceivedRequest[];
  /** Resolves once `path` has had `count` requests; no time limit of its own (jest's applies). */
  waitFor(path: string, count: number): Promise<ReceivedRequest[]>;
  answer(path: string, answer: Answer): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests = new Map<string, ReceivedRequest[]>();
  const answers = new Map<string, Answer>();
  const waiters: { path: string; count: number; resolve: () => void }[] = [];
  const hanging = new Set<ServerResponse>();
  const of = (path: string) => requests.get(path) ?? [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
      const list = of(path);
      const index = list.length;
      list.push({
        method: req.method ?? '',
        url: req.url ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      requests.set(path, list);
      const status = (answers.get(path) ?? (() => 200))(index);
      if (status === 'hang') hanging.add(res);
      else res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
      for (const waiter of [...waiters])
        if (waiter.path === path && list.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
    });
  });
  const listening = await listen(server, { graceMs: 100 });
  return {
    url: listening.url,
    received: (path) => [...of(path)],
    waitFor(path, count) {
      if (of(path).length >= count) return Promise.resolve(of(path));
      return new Promise((resolve) =>
        waiters.push({ path, count, resolve: () => resolve(of(path)) }),
      );
    },
    answer: (path, answer) => answers.set(path, answer),
    async close() {
      for (const res of hanging) res.destroy();
      await listening.close();
    },
  };
}
