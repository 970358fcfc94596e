import {
  ConsumerContract,
  type Conversation,
  type ConversationExample,
} from '../../src/contracts/consumer-contract.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import type { AgentEvent, ServerFrame } from '../../src/schemas/types.generated.js';
import { alice, exampleAccessToken, ids, iso8601, match } from './contract-examples.js';
import { EventStream, type WebSocketLike } from './events.js';

// web-app -> backend-events: conversations on /ws (docs/websocket-contracts.md),
// each driven through EventStream's real frame handling: the SDK connects with
// the contract's path and subprotocols, what it sends must be the contract's
// client frames, and every server frame of the contract goes through its handler.
// Provider states (with params), each after "user alice@example.com is logged in"
// {email, password, name}, which hands out {access_token}:
//   "alice has a thread"          {title} -> {thread_id}
//   "alice has a completed run"   {input} -> {thread_id, run_id}
// The agent is deterministic: a run's input, sent in start_run, decides its steps
// (see README, "The agent").

const contract = new ConsumerContract({ consumer: 'web-app', provider: 'backend-events' });
const handled = new Set<string>();
const loggedIn = { name: 'user alice@example.com is logged in', params: alice };
const withThread = { name: 'alice has a thread', params: { title: 'Plans' } };

const connection = {
  path: '/ws',
  subprotocols: [
    'meshpact.v1',
    match.fromProviderState('bearer.${access_token}', `bearer.${exampleAccessToken}`),
  ],
};
const fromState = (name: string, example: string) =>
  match.fromProviderState(`\${${name}}`, example);
const uuid = (example: string) => match.uuid(example);

const greeting = {
  type: 'connection_established',
  connection_id: uuid(ids.message),
  user_id: uuid(ids.user),
  server_time: iso8601(),
};
const envelope = (type: string, seq: number) => ({
  type,
  event_id: uuid('8cbd2b99-8e63-4f3a-830d-f4bce56ff0a5'),
  run_id: uuid(ids.run),
  thread_id: uuid(ids.thread),
  agent_name: 'calculator',
  seq,
  timestamp: iso8601(),
});
const started = (seq: number) => ({
  ...envelope('agent_started', seq),
  task_description: match.string('What is 6*7?'),
});
const thinking = (seq: number, step: number) => ({
  ...envelope('agent_thinking', seq),
  step,
  reasoning: match.string('Step 1: …'),
});
const executing = (seq: number, id: string, expression: string) => ({
  ...envelope('tool_executing', seq),
  tool_call_id: id,
  tool_name: 'calculator',
  parameters: { expression },
});
const succeeded = (seq: number, id: string, value: number) => ({
  ...envelope('tool_completed', seq),
  tool_call_id: id,
  tool_name: 'calculator',
  success: true,
  duration_ms: match.integer(1),
  result: { value },
});
const completed = (seq: number) => ({
  ...envelope('agent_completed', seq),
  status: 'succeeded',
  final_response: match.string('Done: What is 6*7?'),
});

/**
 * The gateway's side of a conversation, played to the real EventStream: the
 * greeting as the socket opens, the other frames once the client has sent
 * every frame the contract lists. It records what the client sent.
 */
class ScriptedSocket implements WebSocketLike {
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  /** The text of each frame the client sent. */
  readonly sent: string[] = [];
  readonly #example: ConversationExample;

  constructor(example: ConversationExample) {
    this.#example = example;
    setImmediate(() => {
      this.readyState = 1;
      this.onopen?.({});
      const [first, ...rest] = example.receive;
      this.#deliver([first]);
      if (example.send.length === 0) this.#deliver(rest);
    });
  }

  send(data: string): void {
    this.sent.push(data);
    if (this.sent.length === this.#example.send.length)
      setImmediate(() => this.#deliver(this.#example.receive.slice(1)));
  }

  close(): void {
    this.readyState = 3;
  }

  #deliver(frames: unknown[]): void {
    for (const frame of frames) this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Every server frame type in schemas/events/server-frame.json: a new one without a contract fails the last test. */
const allTypes: ServerFrame['type'][] = (() => {
  const files = schemaRegistry().files;
  const union = files.find((f) => f.name === 'events/server-frame')?.schema.oneOf as {
    $ref: string;
  }[];
  return union.map(({ $ref }) => {
    const file = files.find((f) => f.schema.$id.endsWith(`/events/${$ref}`));
    return (file?.schema.properties as { type: { const: ServerFrame['type'] } }).type.const;
  });
})();

interface Talk<T> {
  /** What the client did with the conversation: its result. */
  result: T;
  /** Every frame the SDK dispatched, by type, and the agent events it emitted. */
  frames: ServerFrame[];
  events: AgentEvent[];
}

/**
 * Records the conversation, and runs `client` on a real EventStream connected
 * to a ScriptedSocket playing it; checks the SDK connected and sent as the contract says.
 */
async function talk<T>(
  conversation: Omit<Conversation, 'connection'>,
  client: (stream: EventStream, socket: ScriptedSocket) => Promise<T>,
): Promise<Talk<T>> {
  return contract.conversation({ connection, ...conversation }, async (example) => {
    let socket: ScriptedSocket | undefined;
    let opened: { url: string; protocols: string[] } | undefined;
    const stream = new EventStream({
      url: 'wss://api.example.com/ws',
      token: () => exampleAccessToken,
      reconnect: false,
      connect: (url, protocols) => {
        opened = { url, protocols };
        return (socket = new ScriptedSocket(example));
      },
    });
    const frames: ServerFrame[] = [];
    const events: AgentEvent[] = [];
    for (const type of allTypes) stream.on(type, (frame: ServerFrame) => frames.push(frame));
    stream.on('event', (event) => events.push(event));
    try {
      await stream.connect();
      const result = await client(stream, socket!);
      await until(() => frames.length === example.receive.length);
      // Every frame went through the SDK's handler, in the order the contract lists them.
      expect(types(frames)).toEqual(types(example.receive as { type: string }[]));
      expect(new URL(opened!.url).pathname).toBe(example.connection.path);
      expect(opened!.protocols).toEqual(example.connection.subprotocols);
      // On the wire a frame written as text is that text, any other its JSON: compared as parsed JSON.
      const wire = (frame: unknown) => (typeof frame === 'string' ? parse(frame) : frame);
      expect(socket!.sent.map(parse)).toEqual(example.send.map(wire));
      for (const frame of frames) handled.add(frame.type);
      return { result, frames, events };
    } finally {
      stream.close();
    }
  });
}

/** Waits (boundedly) for the scripted frames still on their way to the SDK. */
async function until(done: () => boolean, boundMs = 2_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

const types = (frames: { type: string }[]) => frames.map((f) => f.type);

describe('web-app -> backend-events contract', () => {
  it('gets the greeting first, and nothing before it', async () => {
    const { result } = await talk(
      {
        states: [loggedIn],
        description: 'the handshake: connection_established',
        send: [],
        receive: [greeting],
      },
      () => Promise.resolve(undefined),
    );
    expect(result).toBeUndefined();
  });

  it('answers a ping with its pong', async () => {
    const { result } = await talk(
      {
        states: [loggedIn],
        description: 'a ping answered by its pong',
        send: [{ type: 'ping', id: 'ping_1' }],
        receive: [greeting, { type: 'pong', id: 'ping_1', server_time: iso8601() }],
      },
      (stream) => stream.ping(),
    );
    expect(result).toMatchObject({ type: 'pong', id: 'ping_1' });
  });

  it('subscribes to a thread and unsubscribes again', async () => {
    const thread = fromState('thread_id', ids.thread);
    const { frames } = await talk(
      {
        states: [loggedIn, withThread],
        description: 'a subscription to a thread and its end',
        send: [
          { type: 'subscribe', thread_id: thread },
          { type: 'unsubscribe', thread_id: thread },
        ],
        receive: [
          greeting,
          { type: 'subscribed', thread_id: uuid(ids.thread) },
          { type: 'unsubscribed', thread_id: uuid(ids.thread) },
        ],
      },
      (stream) => {
        stream.subscribe(ids.thread);
        stream.unsubscribe(ids.thread);
        return Promise.resolve();
      },
    );
    expect(types(frames)).toEqual(['connection_established', 'subscribed', 'unsubscribed']);
  });

  describe('when a frame is bad, the socket stays open with an error frame', () => {
    it.each([
      ['a frame that is not JSON', 'not json', 'invalid_json', 'frames must be JSON text'],
      [
        'a frame of an unknown type',
        '{"type":"no_such_frame"}',
        'unknown_frame',
        'unknown frame type; send subscribe, unsubscribe, start_run or ping',
      ],
    ])('answers %s with an error frame', async (what, text, code, message) => {
      const errors: unknown[] = [];
      await talk(
        {
          states: [loggedIn],
          description: `${what} answered by an error frame`,
          // Written as text: the driver sends it verbatim, as a broken client would.
          send: [text],
          receive: [greeting, { type: 'error', code, message: match.string(message) }],
        },
        (stream, socket) => {
          stream.on('error', (frame) => errors.push(frame));
          socket.send(text);
          return Promise.resolve();
        },
      );
      await until(() => errors.length > 0);
      expect(errors).toEqual([{ type: 'error', code, message }]);
    });
  });

  describe('runs started by start_run, every frame in order', () => {
    const startRun = (input: string) => ({
      type: 'start_run',
      request_id: 'req_1',
      thread_id: fromState('thread_id', ids.thread),
      agent_name: 'calculator',
      input,
    });
    const accepted = {
      type: 'run_accepted',
      request_id: 'req_1',
      run_id: uuid(ids.run),
      thread_id: uuid(ids.thread),
    };
    const run = (description: string, input: string, frames: unknown[]) =>
      talk(
        {
          states: [loggedIn, withThread],
          description,
          send: [startRun(input)],
          receive: [greeting, accepted, ...frames],
        },
        (stream) => stream.startRun({ threadId: ids.thread, agentName: 'calculator', input }),
      );

    it('follows a run with one tool call from run_accepted to its end', async () => {
      const { result, events } = await run('a run with one tool call', 'What is 6*7? [calc 6*7]', [
        started(1),
        thinking(2, 1),
        executing(3, 'call_1', '6*7'),
        succeeded(4, 'call_1', 42),
        completed(5),
      ]);
      expect(result).toMatchObject({ type: 'run_accepted', request_id: 'req_1' });
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, 'agent_started'],
        [2, 'agent_thinking'],
        [3, 'tool_executing'],
        [4, 'tool_completed'],
        [5, 'agent_completed'],
      ]);
    });

    it('follows a run whose tool fails, to its end', async () => {
      const failed = {
        ...envelope('tool_completed', 4),
        tool_call_id: 'call_1',
        tool_name: 'calculator',
        success: false,
        duration_ms: match.integer(0),
        error: { code: 'division_by_zero', message: match.string('cannot divide 1 by 0') },
      };
      const { events } = await run('a run whose tool fails', 'What is 1/0? [calc 1/0]', [
        started(1),
        thinking(2, 1),
        executing(3, 'call_1', '1/0'),
        failed,
        completed(5),
      ]);
      expect(events.find((e) => e.type === 'tool_completed')).toMatchObject({
        success: false,
        error: { code: 'division_by_zero' },
      });
      expect(events.at(-1)?.type).toBe('agent_completed');
    });

    it('follows a run with two tool calls, each completing after it started', async () => {
      const { events } = await run(
        'a run with two tool calls',
        'What is 6*7 and 2+2? [calc 6*7] [calc 2+2]',
        [
          started(1),
          thinking(2, 1),
          executing(3, 'call_1', '6*7'),
          succeeded(4, 'call_1', 42),
          executing(5, 'call_2', '2+2'),
          succeeded(6, 'call_2', 4),
          completed(7),
        ],
      );
      const calls = events.flatMap((e) =>
        'tool_call_id' in e ? [`${e.type}:${e.tool_call_id}`] : [],
      );
      expect(calls).toEqual([
        'tool_executing:call_1',
        'tool_completed:call_1',
        'tool_executing:call_2',
        'tool_completed:call_2',
      ]);
    });
  });

  it('replays a completed run after a seq, and only what came after it', async () => {
    const { events } = await talk(
      {
        states: [
          loggedIn,
          { name: 'alice has a completed run', params: { input: 'What is 6*7? [calc 6*7]' } },
        ],
        description: 'a replay of a completed run after seq 2',
        send: [
          {
            type: 'subscribe',
            thread_id: fromState('thread_id', ids.thread),
            run_id: fromState('run_id', ids.run),
            after_seq: 2,
          },
        ],
        receive: [
          greeting,
          { type: 'subscribed', thread_id: uuid(ids.thread), run_id: uuid(ids.run) },
          executing(3, 'call_1', '6*7'),
          succeeded(4, 'call_1', 42),
          completed(5),
        ],
        // The replay starts after seq 2 on purpose: the run's flow is cut at its start.
        partialFlows: true,
      },
      (stream) => {
        stream.subscribe(ids.thread, { runId: ids.run, afterSeq: 2 });
        return Promise.resolve();
      },
    );
    expect(events.map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  it('covers every server frame type the SDK handles', () => {
    expect(allTypes.filter((type) => !handled.has(type))).toEqual([]);
  });
});
