import { ConsumerContract, type HttpInteraction } from '../../src/contracts/consumer-contract.js';
import { AuthClient } from './auth.js';
import { BackendClient } from './backend.js';
import {
  alice,
  bearerFromState,
  exampleSession,
  ids,
  iso8601,
  jsonHeaders,
  match,
  problemBody,
  problemHeaders,
} from './contract-examples.js';
import { ApiError } from './http.js';

// web-app -> backend-api, from BackendClient's real calls.
// Provider states (with params); each after "user alice@example.com is logged in" {email, password, name},
// which hands out {access_token}:
//   "alice has a thread"                {title} -> {thread_id}
//   "alice has a thread with messages"  {title, messages: string[]} -> {thread_id}
//   "alice has threads"                 {titles: string[]}
//   "alice has a completed run"         {input} -> {thread_id, run_id}

const contract = new ConsumerContract({ consumer: 'web-app', provider: 'backend-api' });
const exercised = new Set<string>();
const loggedIn = { name: 'user alice@example.com is logged in', params: alice };
const withThread = { name: 'alice has a thread', params: { title: 'Plans' } };
const completedRun = {
  name: 'alice has a completed run',
  params: { input: 'What is 6*7? [calc 6*7]' },
};
const auth = { Authorization: bearerFromState };

const threadPath = (suffix = '') =>
  match.fromProviderState(
    `/api/threads/\${thread_id}${suffix}`,
    `/api/threads/${ids.thread}${suffix}`,
  );
const runPath = (suffix = '') =>
  match.fromProviderState(`/api/runs/\${run_id}${suffix}`, `/api/runs/${ids.run}${suffix}`);

const thread = (title = 'Plans') => ({
  id: match.uuid(ids.thread),
  title,
  metadata: match.like({}),
  created_at: iso8601(),
  updated_at: iso8601(),
});
// The content exactly: a list of messages is pinned by position, oldest first,
// and only the contents tell the provider's order apart.
const message = (content: string, role = 'user') => ({
  id: match.uuid(ids.message),
  thread_id: match.uuid(ids.thread),
  role,
  content,
  run_id: match.nullValue(),
  created_at: iso8601(),
});
const cursor = match.regex(
  '^[A-Za-z0-9_-]{1,512}$',
  'WyIyMDI2LTAxLTAyVDAzOjA0OjA1LjY3OFoiLCJhYmMiXQ',
);
const event = (type: string, seq: number, extra: Record<string, unknown>) => ({
  type,
  event_id: match.uuid('8cbd2b99-8e63-4f3a-830d-f4bce56ff0a5'),
  run_id: match.uuid(ids.run),
  thread_id: match.uuid(ids.thread),
  agent_name: 'calculator',
  seq,
  timestamp: iso8601(),
  ...extra,
});

function api(baseUrl: string): BackendClient {
  return new BackendClient({
    baseUrl,
    session: new AuthClient({ baseUrl, session: exampleSession }),
  });
}

/** Records the interaction and runs one BackendClient call against it. */
function call<T>(
  method: keyof BackendClient,
  interaction: HttpInteraction,
  use: (client: BackendClient) => Promise<T>,
) {
  exercised.add(method);
  return contract.http(interaction, (baseUrl) => use(api(baseUrl)));
}

describe('web-app -> backend-api contract', () => {
  it('creates a thread', async () => {
    const created = await call(
      'createThread',
      {
        states: [loggedIn],
        description: 'a request to create a thread',
        request: {
          method: 'POST',
          path: '/api/threads',
          headers: auth,
          body: { title: 'Plans', metadata: { color: 'blue' } },
        },
        response: {
          status: 201,
          headers: jsonHeaders,
          body: { ...thread(), metadata: { color: 'blue' } },
        },
      },
      (client) => client.createThread({ title: 'Plans', metadata: { color: 'blue' } }),
    );
    expect(created.title).toBe('Plans');
  });

  it('is told an empty title does not fit', async () => {
    const error = await contract.http(
      {
        states: [loggedIn],
        description: 'a request to create a thread without a title',
        request: { method: 'POST', path: '/api/threads', headers: auth, body: { title: '' } },
        response: {
          status: 422,
          headers: problemHeaders,
          body: problemBody(422, 'validation_failed'),
        },
      },
      (baseUrl) =>
        api(baseUrl)
          .createThread({ title: '' })
          .catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ code: 'validation_failed', status: 422 });
  });

  it('lists threads a page at a time', async () => {
    const page = await call(
      'listThreads',
      {
        states: [
          loggedIn,
          { name: 'alice has threads', params: { titles: ['One', 'Two', 'Three'] } },
        ],
        description: 'a request for the first page of threads',
        request: { method: 'GET', path: '/api/threads', query: { limit: '2' }, headers: auth },
        response: {
          status: 200,
          headers: jsonHeaders,
          body: { items: [thread('Three'), thread('Two')], next_cursor: cursor },
        },
      },
      (client) => client.listThreads({ limit: 2 }),
    );
    expect(page.items).toHaveLength(2);
    expect(page.next_cursor).toBeTruthy();
  });

  it('reads a thread', async () => {
    const found = await call(
      'getThread',
      {
        states: [loggedIn, withThread],
        description: 'a request for a thread',
        request: { method: 'GET', path: threadPath(), headers: auth },
        response: { status: 200, headers: jsonHeaders, body: thread() },
      },
      (client) => client.getThread(ids.thread),
    );
    expect(found.id).toBe(ids.thread);
  });

  it('is told a thread that is not its own does not exist', async () => {
    const error = await contract.http(
      {
        states: [loggedIn],
        description: 'a request for a thread that does not exist',
        request: {
          method: 'GET',
          path: '/api/threads/00000000-0000-4000-8000-000000000000',
          headers: auth,
        },
        response: {
          status: 404,
          headers: problemHeaders,
          body: problemBody(404, 'thread_not_found'),
        },
      },
      (baseUrl) =>
        api(baseUrl)
          .getThread('00000000-0000-4000-8000-000000000000')
          .catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('thread_not_found');
  });

  it('renames a thread', async () => {
    const renamed = await call(
      'updateThread',
      {
        states: [loggedIn, withThread],
        description: 'a request to rename a thread',
        request: {
          method: 'PATCH',
          path: threadPath(),
          headers: auth,
          body: { title: 'Better plans' },
        },
        response: { status: 200, headers: jsonHeaders, body: thread('Better plans') },
      },
      (client) => client.updateThread(ids.thread, { title: 'Better plans' }),
    );
    expect(renamed.title).toBe('Better plans');
  });

  it('deletes a thread', async () => {
    await call(
      'deleteThread',
      {
        states: [loggedIn, withThread],
        description: 'a request to delete a thread',
        request: { method: 'DELETE', path: threadPath(), headers: auth },
        response: { status: 204 },
      },
      (client) => client.deleteThread(ids.thread),
    );
  });

  it('lists the messages of a thread oldest first, each in its place', async () => {
    const page = await call(
      'listMessages',
      {
        states: [
          loggedIn,
          {
            name: 'alice has a thread with messages',
            params: { title: 'Plans', messages: ['one', 'two', 'three'] },
          },
        ],
        description: 'a request for the messages of a thread, oldest first',
        request: { method: 'GET', path: threadPath('/messages'), headers: auth },
        response: {
          status: 200,
          headers: jsonHeaders,
          body: { items: [message('one'), message('two'), message('three')], next_cursor: null },
        },
      },
      (client) => client.listMessages(ids.thread),
    );
    expect(page.items.map((m) => m.content)).toEqual(['one', 'two', 'three']);
  });

  it('posts a message with an idempotency key', async () => {
    const posted = await call(
      'postMessage',
      {
        states: [loggedIn, withThread],
        description: 'a request to post a message with an Idempotency-Key',
        request: {
          method: 'POST',
          path: threadPath('/messages'),
          headers: { ...auth, 'Idempotency-Key': 'msg-0001' },
          body: { role: 'user', content: 'What is 6*7?' },
        },
        response: { status: 201, headers: jsonHeaders, body: message('What is 6*7?') },
      },
      (client) => client.postMessage(ids.thread, 'What is 6*7?', { idempotencyKey: 'msg-0001' }),
    );
    expect(posted.role).toBe('user');
  });

  it('starts a run', async () => {
    const run = await call(
      'startRun',
      {
        states: [loggedIn, withThread],
        description: 'a request to start a run',
        request: {
          method: 'POST',
          path: threadPath('/runs'),
          headers: auth,
          body: { agent_name: 'calculator', input: 'What is 6*7? [calc 6*7]' },
        },
        response: {
          status: 202,
          headers: jsonHeaders,
          body: {
            id: match.uuid(ids.run),
            thread_id: match.uuid(ids.thread),
            agent_name: 'calculator',
            status: 'queued',
            created_at: iso8601(),
          },
        },
      },
      (client) =>
        client.startRun(ids.thread, { agent_name: 'calculator', input: 'What is 6*7? [calc 6*7]' }),
    );
    expect(run.status).toBe('queued');
  });

  it('reads a completed run', async () => {
    const run = await call(
      'getRun',
      {
        states: [loggedIn, completedRun],
        description: 'a request for a completed run',
        request: { method: 'GET', path: runPath(), headers: auth },
        response: {
          status: 200,
          headers: jsonHeaders,
          body: {
            id: match.uuid(ids.run),
            thread_id: match.uuid(ids.thread),
            agent_name: 'calculator',
            status: 'succeeded',
            input: 'What is 6*7? [calc 6*7]',
            created_at: iso8601(),
            started_at: iso8601(),
            completed_at: iso8601(),
            final_response: match.string('Done: What is 6*7?. calculator: {"value":42}'),
          },
        },
      },
      (client) => client.getRun(ids.run),
    );
    expect(run.status).toBe('succeeded');
  });

  it('replays the events of a run after a seq', async () => {
    const page = await call(
      'runEvents',
      {
        states: [loggedIn, completedRun],
        description: 'a request for the events of a run after seq 3',
        request: {
          method: 'GET',
          path: runPath('/events'),
          query: { after_seq: '3' },
          headers: auth,
        },
        response: {
          status: 200,
          headers: jsonHeaders,
          body: {
            run_id: match.uuid(ids.run),
            items: [
              event('tool_completed', 4, {
                tool_call_id: 'call_1',
                tool_name: 'calculator',
                success: true,
                duration_ms: match.integer(1),
                result: { value: 42 },
              }),
              event('agent_completed', 5, {
                status: 'succeeded',
                final_response: match.string('Done'),
              }),
            ],
            next_after_seq: null,
          },
        },
      },
      (client) => client.runEvents(ids.run, { afterSeq: 3 }),
    );
    expect(page.items.map((e) => e.seq)).toEqual([4, 5]);
  });

  it('is refused without a valid token', async () => {
    const error = await contract.http(
      {
        description: 'a request for threads with a bad token',
        request: {
          method: 'GET',
          path: '/api/threads',
          headers: { Authorization: 'Bearer not-a-token' },
        },
        response: { status: 401, headers: problemHeaders, body: problemBody(401, 'unauthorized') },
      },
      (baseUrl) =>
        new BackendClient({
          baseUrl,
          session: new AuthClient({
            baseUrl,
            session: { ...exampleSession, access_token: 'not-a-token', refresh_token: '' },
          }),
        })
          .listThreads()
          .catch((e: unknown) => e),
    );
    expect((error as ApiError).code).toBe('unauthorized');
  });

  it('covers every public method of BackendClient', () => {
    const methods = Object.getOwnPropertyNames(BackendClient.prototype).filter(
      (name) => name !== 'constructor',
    );
    expect(methods.filter((name) => !exercised.has(name))).toEqual([]);
  });
});
