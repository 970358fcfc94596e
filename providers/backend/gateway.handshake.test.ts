import { SignJWT, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import { parseTraceparent } from '../../src/runtime/traceparent.js';
import { request } from '../auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { signUp, TestSocket, type User } from './test-support.js';

/** Tries a handshake; resolves with the HTTP status and problem code of a refusal, or 101. */
function handshake(url: string, protocols: string[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; code?: string; protocol?: string }>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      resolve({ status: 101, protocol: ws.protocol });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { code: string }).code }),
      );
    });
    ws.once('error', (error) => reject(error));
  });
}

describe('/ws handshake', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    alice = await signUp(mesh, 'alice@example.com');
  });
  afterAll(() => mesh.close());

  it('accepts a bearer subprotocol, selects meshpact.v1 and greets with connection_established', async () => {
    expect(await handshake(mesh.backend.wsUrl, ['meshpact.v1', `bearer.${alice.token}`])).toEqual({
      status: 101,
      protocol: 'meshpact.v1',
    });
    const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
    expect(socket.frames[0]).toMatchObject({
      type: 'connection_established',
      user_id: alice.userId,
    });
    socket.close();
  });

  it('accepts an Authorization header with meshpact.v1', async () => {
    const answer = await handshake(mesh.backend.wsUrl, ['meshpact.v1'], {
      authorization: `Bearer ${alice.token}`,
    });
    expect(answer.status).toBe(101);
  });

  describe('when the client cannot be let in', () => {
    it('refuses a missing token with HTTP 401 before any socket exists', async () => {
      expect(await handshake(mesh.backend.wsUrl, ['meshpact.v1'])).toEqual({
        status: 401,
        code: 'unauthorized',
      });
    });

    it('refuses a garbage token and a token from a forged key', async () => {
      expect(await handshake(mesh.backend.wsUrl, ['meshpact.v1', 'bearer.garbage'])).toMatchObject({
        status: 401,
      });
      const { privateKey } = await generateKeyPair('ES256');
      const claims = JSON.parse(
        Buffer.from(alice.token.split('.')[1]!, 'base64url').toString(),
      ) as Record<string, unknown>;
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
        .sign(privateKey);
      expect(
        await handshake(mesh.backend.wsUrl, ['meshpact.v1', `bearer.${forged}`]),
      ).toMatchObject({ status: 401 });
    });

    it('refuses a token whose session was logged out', async () => {
      const carol = await signUp(mesh, 'carol@example.com');
      await request(mesh.auth.url, 'POST', '/auth/logout', {
        headers: { authorization: `Bearer ${carol.token}` },
      });
      expect(await handshake(mesh.backend.wsUrl, ['meshpact.v1', `bearer.${carol.token}`])).toEqual(
        {
          status: 401,
          code: 'unauthorized',
        },
      );
    });

    it('refuses a client that does not speak meshpact.v1, and a wrong path', async () => {
      expect(await handshake(mesh.backend.wsUrl, [`bearer.${alice.token}`])).toMatchObject({
        status: 422,
      });
      const wrongPath = mesh.backend.wsUrl.replace(/\/ws$/, '/nope');
      expect(await handshake(wrongPath, ['meshpact.v1', `bearer.${alice.token}`])).toEqual({
        status: 404,
        code: 'not_found',
      });
    });
  });

  describe('when the handshake carries a traceparent', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const headers = { traceparent: `00-${trace}-00f067aa0ba902b7-01` };

    it('answers in that trace: the 101 names it, and so does the problem of a refusal', async () => {
      const accepted = await new Promise<unknown>((resolve, reject) => {
        const ws = new WebSocket(mesh.backend.wsUrl, ['meshpact.v1', `bearer.${alice.token}`], {
          headers,
        });
        ws.once('upgrade', (res) => resolve(res.headers.traceresponse));
        ws.once('open', () => ws.close());
        ws.once('error', reject);
      });
      expect(parseTraceparent(accepted)?.traceId).toBe(trace);

      const refused = await new Promise<unknown>((resolve, reject) => {
        const ws = new WebSocket(mesh.backend.wsUrl, ['meshpact.v1'], { headers });
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(body)));
        });
        ws.once('error', reject);
      });
      expect(refused).toMatchObject({ code: 'unauthorized', trace_id: trace });
    });
  });
});
