import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { freePort } from '../runtime/ports.js';
import { answerProxyErrors } from './proxy-errors.js';

// The http-proxy pact-js's verifier proxy uses, resolved as pact-js resolves it.
const pact = createRequire(import.meta.url).resolve('@pact-foundation/pact');
const ProxyServer = createRequire(pact)('http-proxy') as {
  new (): {
    web(req: IncomingMessage, res: ServerResponse, options: { target: string }): void;
    onError: unknown;
  };
};

describe('answerProxyErrors', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const closing = server;
    server = undefined;
    closing?.closeAllConnections();
    await new Promise((resolve) => (closing ? closing.close(resolve) : resolve(undefined)));
  });

  it('answers a request to a provider that refuses connections 502, naming the cause', async () => {
    answerProxyErrors();
    const closed = `http://127.0.0.1:${await freePort()}`;
    // As pact-js's proxy does: no error listener, no callback.
    const proxy = new ProxyServer();
    server = createServer((req, res) => proxy.web(req, res, { target: closed }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const response = await fetch(`http://127.0.0.1:${port}/users/1`);

    expect(response.status).toBe(502);
    expect(await response.text()).toBe(
      `meshpact: the provider at ${closed}/ did not answer GET /users/1: ECONNREFUSED`,
    );
  });

  it('patches once, however often it is installed', () => {
    answerProxyErrors();
    const installed = new ProxyServer().onError;
    answerProxyErrors();
    expect(new ProxyServer().onError).toBe(installed);
  });
});
