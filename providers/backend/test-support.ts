import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Queryable } from '../../src/runtime/db.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import type { AgentEvent, Run } from '../../src/schemas/types.generated.js';
import { password, register, request, type Answer } from '../auth/test-helpers.js';
import * as store from './store.js';
import type { MeshUnderTest } from './testing.js';

// Helpers for backend tests: users with real tokens, the HTTP API, and /ws sockets.

export interface User {
  token: string;
  userId: string;
  tenantId: string;
  api: Api;
}

export interface Api {
  get(path: string): Promise<Answer>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  patch(path: string, body: unknown): Promise<Answer>;
  delete(path: string): Promise<Answer>;
}

export function apiFor(baseUrl: string, token: string): Api {
  const headers = { authorization: `Bearer ${token}` };
  return {
    get: (path) => request(baseUrl, 'GET', path, { headers }),
    post: (path, body, extra) =>
      request(baseUrl, 'POST', path, { headers: { ...headers, ...extra }, body: body ?? {} }),
    patch: (path, body) => request(baseUrl, 'PATCH', path, { headers, body }),
    delete: (path) => request(baseUrl, 'DELETE', path, { headers }),
  };
}

/** Registers a user (a tenant of its own) on the mesh's auth-service. */
export async function signUp(mesh: MeshUnderTest, email: string): Promise<User> {
  const session = await register(mesh.auth.url, email);
  return {
    token: session.access_token,
    userId: session.user.id,
    tenantId: session.user.tenant_id,
    api: apiFor(mesh.backend.url, session.access_token),
  };
}

export { password };

export async function createThread(user: User, title = 'A thread'): Promise<string> {
  const answer = await user.api.post('/api/threads', { title });
  if (answer.status !== 201)
    throw new Error(`create thread: ${answer.status} ${JSON.stringify(answer.body)}`);
  return String(answer.body.id);
}

/** Starts a run over HTTP and returns its id. */
export async function startRun(
  user: User,
  threadId: string,
  input: string,
  agentName = 'calculator',
): Promise<string> {
  const answer = await user.api.post(`/api/threads/${threadId}/runs`, {
    agent_name: agentName,
    input,
  });
  if (answer.status !== 202)
    throw new Error(`start run: ${answer.status} ${JSON.stringify(answer.body)}`);
  return String(answer.body.id);
}

/** Polls GET /api/runs/{id} until the run has ended. */
export async function waitForRun(user: User, runId: string, timeoutMs = 20_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await user.api.get(`/api/runs/${runId}`)).body as unknown as Run;
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function storedEvents(user: User, runId: string): Promise<AgentEvent[]> {
  return (await user.api.get(`/api/runs/${runId}/events?limit=100`)).body.items as AgentEvent[];
}

export type Frame = Record<string, unknown> & { type: string };

/**
 * A real client socket on /ws. Every frame it receives is checked to be text
 * and against events/server-frame, so a frame that breaks either fails the test.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | undefined;
  readonly #changed = new Set<() => void>();

  constructor(ws: WebSocket) {
    this.ws = ws;
    const validator = schemaRegistry().validator('events/server-frame');
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error(`binary frame: ${data.toString('utf8')}`);
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      const issues = validator.issues(frame);
      if (issues.length > 0)
        throw new Error(`frame breaks events/server-frame: ${JSON.stringify({ frame, issues })}`);
      this.frames.push(frame);
      this.#notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#notify();
    });
  }

  static async open(
    wsUrl: string,
    token: string,
    options: WebSocket.ClientOptions = {},
  ): Promise<TestSocket> {
    const socket = new TestSocket(
      new WebSocket(wsUrl, ['meshpact.v1', `bearer.${token}`], options),
    );
    await new Promise<void>((resolve, reject) => {
      socket.ws.once('open', () => resolve());
      socket.ws.once('error', reject);
    });
    await socket.next((f) => f.type === 'connection_established');
    return socket;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame after `from` matching `predicate`; fails with the frames seen when it does not come. */
  async next(predicate: (frame: Frame) => boolean, from = 0, timeoutMs = 20_000): Promise<Frame> {
    const found = await this.#until(() => this.frames.slice(from).find(predicate), timeoutMs);
    return found;
  }

  /** Waits for the server to close the socket; resolves with its code. */
  async closedWith(timeoutMs = 20_000): Promise<number> {
    return (await this.#until(() => this.closed, timeoutMs)).code;
  }

  /** Sends start_run and resolves with the accepted run's id. */
  async startRun(
    threadId: string,
    input: string,
    requestId = `req-${this.frames.length}`,
  ): Promise<string> {
    this.send({
      type: 'start_run',
      request_id: requestId,
      thread_id: threadId,
      agent_name: 'calculator',
      input,
    });
    return String(
      (await this.next((f) => f.type === 'run_accepted' && f.request_id === requestId)).run_id,
    );
  }

  /** The agent events of one run received so far. */
  events(runId: string): AgentEvent[] {
    return this.frames.filter(
      (f) => f.run_id === runId && f.type !== 'run_accepted' && f.type !== 'subscribed',
    ) as unknown as AgentEvent[];
  }

  close(): void {
    this.ws.close(1000);
  }

  #notify() {
    for (const wake of this.#changed) wake();
  }

  async #until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out; frames so far: ${this.frames.map((f) => f.type).join(', ')}; closed: ${JSON.stringify(this.closed)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#changed.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(250, deadline - Date.now()));
        this.#changed.add(done);
      });
    }
  }
}

/** Checks the order rules of DESIGN.md on one run's events and returns their types. */
export function expectWellOrdered(events: AgentEvent[]): string[] {
  expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
  expect(events[0]?.type).toBe('agent_started');
  expect(events.at(-1)?.type).toBe('agent_completed');
  const opened: string[] = [];
  for (const event of events) {
    if (event.type === 'tool_executing') opened.push(event.tool_call_id);
    if (event.type === 'tool_completed') expect(opened).toContain(event.tool_call_id);
  }
  return events.map((e) => e.type);
}

/**
 * A calculator run of `user`'s, stored queued as backend-api's service stores
 * one, for tests that drive a runner or a sweeper themselves.
 */
export function insertQueuedRun(
  db: Queryable,
  user: User,
  threadId: string,
  input: string,
): Promise<store.RunRow> {
  return store.insertRun(db, {
    id: randomUUID(),
    tenant_id: user.tenantId,
    thread_id: threadId,
    agent_name: 'calculator',
    input,
    status: 'queued',
    final_response: null,
    created_at: new Date(),
    started_at: null,
    completed_at: null,
    trace_id: null,
  });
}
