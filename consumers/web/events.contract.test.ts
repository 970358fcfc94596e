import { ConsumerContract } from '../../src/contracts/consumer-contract.js';
import { schemaRegistry } from '../../src/schemas/registry.js';
import type { AgentEvent, ServerFrame } from '../../src/schemas/types.generated.js';
import { alice, ids, iso8601, match } from './contract-examples.js';
import { EventStream } from './events.js';

// web-app -> backend-events: the frames of /ws, each handed to EventStream's real frame handler.
// Provider states (with params), each after "user alice@example.com is logged in" {email, password, name}:
//   "alice has a thread"               {title}   -> {thread_id}
//   "a run of the calculator agent"    {input}   (a run of this input on alice's thread, watched over /ws)
// The agent is deterministic: the input decides the steps (see README, "The agent").

const contract = new ConsumerContract({ consumer: 'web-app', provider: 'backend-events' });
const handled = new Set<string>();
const loggedIn = { name: 'user alice@example.com is logged in', params: alice };
const withThread = { name: 'alice has a thread', params: { title: 'Plans' } };
const runOf = (input: string) => [
  loggedIn,
  withThread,
  { name: 'a run of the calculator agent', params: { input } },
];

const uuid = (example: string) => match.uuid(example);
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

/** Feeds frames through a fresh EventStream and returns what it dispatched. */
function consume(frames: unknown[]) {
  const stream = new EventStream({ url: 'ws://unused', token: () => 'unused', reconnect: false });
  const byType: ServerFrame[] = [];
  const events: AgentEvent[] = [];
  for (const type of allTypes) stream.on(type, (frame: ServerFrame) => byType.push(frame));
  stream.on('event', (event) => events.push(event));
  for (const frame of frames) stream.handleFrame(frame as ServerFrame);
  for (const frame of byType) handled.add(frame.type);
  return { byType, events };
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

describe('web-app -> backend-events contract', () => {
  describe('single frames', () => {
    it.each([
      [
        'a connection_established greeting',
        [loggedIn],
        {
          type: 'connection_established',
          connection_id: uuid(ids.message),
          user_id: uuid(ids.user),
          server_time: iso8601(),
        },
      ],
      [
        'a subscribed confirmation',
        [loggedIn, withThread],
        { type: 'subscribed', thread_id: uuid(ids.thread) },
      ],
      [
        'an unsubscribed confirmation',
        [loggedIn, withThread],
        { type: 'unsubscribed', thread_id: uuid(ids.thread) },
      ],
      [
        'a run_accepted answer to start_run',
        [loggedIn, withThread],
        {
          type: 'run_accepted',
          request_id: match.string('req_1'),
          run_id: uuid(ids.run),
          thread_id: uuid(ids.thread),
        },
      ],
      [
        'a pong answer to ping',
        [loggedIn],
        { type: 'pong', id: match.string('ping_1'), server_time: iso8601() },
      ],
      [
        'an error frame for a frame that is not JSON',
        [loggedIn],
        { type: 'error', code: 'invalid_json', message: match.string('frames must be JSON text') },
      ],
      ['an agent_started event', runOf('What is 6*7? [calc 6*7]'), started(1)],
      ['an agent_thinking event', runOf('What is 6*7? [calc 6*7]'), thinking(2, 1)],
      ['a tool_executing event', runOf('What is 6*7? [calc 6*7]'), executing(3, 'call_1', '6*7')],
      ['a tool_completed event', runOf('What is 6*7? [calc 6*7]'), succeeded(4, 'call_1', 42)],
      ['an agent_completed event', runOf('What is 6*7? [calc 6*7]'), completed(5)],
    ])('handles %s', async (description, states, contents) => {
      const { byType } = await contract.message({ states, description, contents }, (message) =>
        consume([message]),
      );
      expect(byType.map((f) => f.type)).toEqual([(contents as { type: string }).type]);
    });
  });

  describe('whole runs, in order', () => {
    it('follows a run with one tool call from start to end', async () => {
      const frames = [
        started(1),
        thinking(2, 1),
        executing(3, 'call_1', '6*7'),
        succeeded(4, 'call_1', 42),
        completed(5),
      ];
      const { events } = await contract.message(
        {
          states: runOf('What is 6*7? [calc 6*7]'),
          description: 'the frames of a run with one tool call',
          contents: { frames },
        },
        (message) => consume((message as { frames: unknown[] }).frames),
      );
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
      const frames = [
        started(1),
        thinking(2, 1),
        executing(3, 'call_1', '1/0'),
        failed,
        completed(5),
      ];
      const { events } = await contract.message(
        {
          states: runOf('What is 1/0? [calc 1/0]'),
          description: 'the frames of a run whose tool fails',
          contents: { frames },
        },
        (message) => consume((message as { frames: unknown[] }).frames),
      );
      expect(events.find((e) => e.type === 'tool_completed')).toMatchObject({
        success: false,
        error: { code: 'division_by_zero' },
      });
      expect(events.at(-1)?.type).toBe('agent_completed');
    });

    it('follows a run with two tool calls, each completing after it started', async () => {
      const frames = [
        started(1),
        thinking(2, 1),
        executing(3, 'call_1', '6*7'),
        succeeded(4, 'call_1', 42),
        executing(5, 'call_2', '2+2'),
        succeeded(6, 'call_2', 4),
        completed(7),
      ];
      const { events } = await contract.message(
        {
          states: runOf('What is 6*7 and 2+2? [calc 6*7] [calc 2+2]'),
          description: 'the frames of a run with two tool calls',
          contents: { frames },
        },
        (message) => consume((message as { frames: unknown[] }).frames),
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

  it('covers every server frame type the SDK handles', () => {
    expect(allTypes.filter((type) => !handled.has(type))).toEqual([]);
  });
});
