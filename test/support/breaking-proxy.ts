import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { listen } from '../../src/runtime/listen.js';

// A test-only fixture: a proxy in front of a real service that breaks it on
// purpose, so a test can show that verification catches each kind of break.
// The services themselves have no such switch.

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Breaks {
  /** Rewrites a request's headers before the service sees them. */
  request?(request: { method: string; path: string; headers: IncomingHttpHeaders }): void;
  /** Rewrites an answer before the verifier sees it. */
  response?(request: { method: string; path: string }, answer: HttpAnswer): HttpAnswer;
  /** Per socket: turns each frame the gateway sends into the frames the client gets. */
  frames?(): (frame: Record<string, unknown>) => Record<string, unknown>[];
}

export interface BreakingProxy {
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startBreakingProxy(
  target: { url: string; wsUrl?: string },
  breaks: Breaks,
): Promise<BreakingProxy> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const headers = { ...req.headers };
      breaks.request?.({ method, path, headers });
      delete headers['transfer-encoding'];
      const body = Buffer.concat(chunks);
      headers['content-length'] = String(body.length);
      const upstream = request(new URL(path, target.url), { method, headers }, (answer) => {
        readAll(answer).then((answerBody) => {
          let out: HttpAnswer = {
            status: answer.statusCode ?? 502,
            headers: { ...answer.headers },
            body: answerBody,
          };
          if (breaks.response) out = breaks.response({ method, path }, out);
          delete out.headers['transfer-encoding'];
          out.headers['content-length'] = String(out.body.length);
          res.writeHead(out.status, out.headers as Record<string, string>);
          res.end(out.body);
        }, fail);
      });
      const fail = (error: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(error.message);
      };
      upstream.on('error', fail);
      upstream.end(body);
    });
  });

  const sockets = new WebSocketServer({ noServer: true, handleProtocols: () => 'meshpact.v1' });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!target.wsUrl) return socket.destroy();
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const authorization = req.headers.authorization;
    const upstream = new WebSocket(target.wsUrl, protocols, {
      ...(authorization ? { headers: { authorization } } : {}),
    });
    upstream.once('unexpected-response', (_request, answer) => {
      socket.end(`HTTP/1.1 ${answer.statusCode} Refused\r\nconnection: close\r\n\r\n`);
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () => {
      sockets.handleUpgrade(req, socket, head, (client) => {
        const transform = breaks.frames?.() ?? ((frame) => [frame]);
        upstream.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
          for (const out of transform(frame)) client.send(JSON.stringify(out));
        });
        client.on('message', (data: Buffer, isBinary) => upstream.send(data, { binary: isBinary }));
        client.on('close', () => upstream.close());
        upstream.on('close', () => client.close());
      });
    });
  });

  const listening = await listen(server);
  return {
    url: listening.url,
    wsUrl: `${listening.url.replace(/^http/, 'ws')}/ws`,
    async close() {
      for (const client of sockets.clients) client.terminate();
      await listening.close();
    },
  };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Edits a JSON answer's body; other answers pass unchanged. */
export function editJson(answer: HttpAnswer, edit: (body: unknown) => unknown): HttpAnswer {
  if (!String(answer.headers['content-type'] ?? '').includes('json') || answer.body.length === 0)
    return answer;
  const body = Buffer.from(JSON.stringify(edit(JSON.parse(answer.body.toString('utf8')))));
  return { ...answer, body };
}
