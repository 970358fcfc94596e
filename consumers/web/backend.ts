import type {
  Message,
  MessagePage,
  Run,
  RunCreateRequest,
  RunEventPage,
  Thread,
  ThreadCreateRequest,
  ThreadPage,
  ThreadUpdateRequest,
} from '../../src/schemas/types.generated.js';
import type { Session } from './auth.js';
import { call, httpOptionsOf, type CallOptions, type HttpOptions } from './http.js';

export interface Page {
  limit?: number;
  cursor?: string;
}

/** The web app's client of backend-api; every call runs in the user's session. */
export class BackendClient {
  readonly #http: HttpOptions;
  readonly #session: Session;

  constructor(options: HttpOptions & { session: Session }) {
    this.#http = httpOptionsOf(options);
    this.#session = options.session;
  }

  createThread(request: ThreadCreateRequest): Promise<Thread> {
    return this.#body('POST', '/api/threads', { body: request });
  }

  listThreads(page: Page = {}): Promise<ThreadPage> {
    return this.#body('GET', '/api/threads', { query: { ...page } });
  }

  getThread(threadId: string): Promise<Thread> {
    return this.#body('GET', `/api/threads/${encodeURIComponent(threadId)}`);
  }

  updateThread(threadId: string, patch: ThreadUpdateRequest): Promise<Thread> {
    return this.#body('PATCH', `/api/threads/${encodeURIComponent(threadId)}`, { body: patch });
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.#body('DELETE', `/api/threads/${encodeURIComponent(threadId)}`);
  }

  listMessages(threadId: string, page: Page = {}): Promise<MessagePage> {
    return this.#body('GET', `/api/threads/${encodeURIComponent(threadId)}/messages`, {
      query: { ...page },
    });
  }

  /** With an idempotency key, a retry after a lost answer returns the first message instead of a second. */
  postMessage(
    threadId: string,
    content: string,
    options: { idempotencyKey?: string } = {},
  ): Promise<Message> {
    return this.#body('POST', `/api/threads/${encodeURIComponent(threadId)}/messages`, {
      body: { role: 'user', content },
      ...(options.idempotencyKey ? { headers: { 'idempotency-key': options.idempotencyKey } } : {}),
    });
  }

  startRun(threadId: string, request: RunCreateRequest): Promise<Run> {
    return this.#body('POST', `/api/threads/${encodeURIComponent(threadId)}/runs`, {
      body: request,
    });
  }

  getRun(runId: string): Promise<Run> {
    return this.#body('GET', `/api/runs/${encodeURIComponent(runId)}`);
  }

  /** The stored events of a run after `afterSeq`: the HTTP way to catch up. */
  runEvents(
    runId: string,
    options: { afterSeq?: number; limit?: number } = {},
  ): Promise<RunEventPage> {
    return this.#body('GET', `/api/runs/${encodeURIComponent(runId)}/events`, {
      query: { after_seq: options.afterSeq, limit: options.limit },
    });
  }

  #body<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    return this.#session.authorized(
      async (token) => (await call<T>(this.#http, method, path, { ...options, token })).body,
    );
  }
}
