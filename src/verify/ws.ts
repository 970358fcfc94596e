import { schemaRegistry } from '../schemas/registry.js';
import { checkFlow, describeFlowProblem } from './flow-rules.js';
import { expectedMessages } from './pact-documents.js';
import type { VerificationReport } from './results.js';
import { driveRun, GatewaySocket } from './socket-driver.js';
import { need, statesAt, type StateValues } from './states.js';
import { verifyWithPact, type PactSource } from './verifier.js';

// backend-events is verified by the real /ws gateway: for each message
// interaction the socket driver connects with the token its states minted,
// makes the gateway send the frame the contract expects (a run, a ping, a bad
// frame...), and hands the real frame to Pact's matcher. Every run it drives
// is also held to the order rules and every frame to its schema; a break there
// fails the interaction even where Pact's matching would let it pass.

export interface MessageVerificationOptions {
  provider: string;
  /** The gateway's WebSocket endpoint, e.g. ws://127.0.0.1:4002/ws. */
  wsUrl: string;
  source: PactSource;
  consumers: string[];
  /** Where the provider serves its states (POST {state, params, action}); none without one. */
  statesUrl?: string;
  /** How long to wait for a frame or a whole run. */
  timeoutMs?: number;
}

const agentEvents = new Set([
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_completed',
]);

/** A run's input when the interaction's states name none ("a run of the calculator agent" does). */
const DEFAULT_RUN = { input: 'Say hello.', agentName: 'calculator' };

export async function verifyMessageProvider(
  options: MessageVerificationOptions,
): Promise<VerificationReport> {
  const expected = await expectedMessages(options.source, options.provider);
  const states = statesAt(options.provider, options.statesUrl);
  const findings = new Map<string, string[]>();
  const report = await verifyWithPact({
    provider: options.provider,
    source: options.source,
    consumers: options.consumers,
    states,
    messages: {
      descriptions: expected.keys(),
      produce: async (description) => {
        let produced: Produced;
        try {
          produced = await produceFrame(
            { wsUrl: options.wsUrl, timeoutMs: options.timeoutMs ?? 15_000 },
            states.values,
            description,
            expected.get(description),
          );
        } catch (error) {
          produced = { message: undefined, problems: [(error as Error).message] };
        }
        if (produced.problems.length > 0) {
          findings.set(description, produced.problems);
          // Thrown so the verifier itself records a failure (and publishes it).
          throw new Error(produced.problems.join('\n'));
        }
        return produced.message;
      },
    },
  });
  return withFindings(report, findings);
}

/** What the driver made the gateway send, and what it found wrong on the way. */
interface Produced {
  message: unknown;
  problems: string[];
}

interface Gateway {
  wsUrl: string;
  timeoutMs: number;
}

/**
 * Opens a socket as the interaction's signed-in user and makes the gateway
 * send the kind of frame `expected` is: the same type, or for `{frames: [...]}`
 * a whole run in the order it arrived.
 */
export async function produceFrame(
  gateway: Gateway,
  values: StateValues,
  description: string,
  expected: unknown,
): Promise<Produced> {
  const token = need<string>(values, 'access_token', description);
  const socket = await GatewaySocket.open(gateway.wsUrl, token);
  try {
    return await produce(socket, gateway.timeoutMs, values, description, expected);
  } finally {
    await socket.close();
  }
}

async function produce(
  socket: GatewaySocket,
  timeoutMs: number,
  values: StateValues,
  description: string,
  expected: unknown,
): Promise<Produced> {
  const wanted = (expected ?? {}) as Record<string, unknown>;
  const next = async (matches: (frame: Record<string, unknown>) => boolean) => {
    const frame = await socket.waitFor(matches, timeoutMs);
    return { message: frame, problems: schemaProblems(frame) };
  };
  const run = async (requestId?: string) => {
    const { events, accepted } = await driveRun(
      socket,
      {
        threadId: need<string>(values, 'thread_id', description),
        agentName: (values.agent_name as string | undefined) ?? DEFAULT_RUN.agentName,
        input: (values.run_input as string | undefined) ?? DEFAULT_RUN.input,
        ...(requestId ? { requestId } : {}),
      },
      timeoutMs,
    );
    return { events, accepted, problems: checkFlow(events).map(describeFlowProblem) };
  };

  if (Array.isArray(wanted.frames)) {
    const { events, problems } = await run();
    return { message: { frames: events }, problems };
  }
  const type = wanted.type;
  switch (type) {
    case 'connection_established':
      return next((frame) => frame.type === type);
    case 'pong': {
      const id = typeof wanted.id === 'string' ? wanted.id : 'ping_1';
      socket.send({ type: 'ping', id });
      return next((frame) => frame.type === type && frame.id === id);
    }
    case 'subscribed':
    case 'unsubscribed': {
      const threadId = need<string>(values, 'thread_id', description);
      socket.send({ type: 'subscribe', thread_id: threadId });
      if (type === 'subscribed') return next((frame) => frame.type === type);
      await socket.waitFor((frame) => frame.type === 'subscribed', timeoutMs);
      socket.send({ type: 'unsubscribe', thread_id: threadId });
      return next((frame) => frame.type === type);
    }
    case 'run_accepted': {
      const requestId = typeof wanted.request_id === 'string' ? wanted.request_id : undefined;
      const { accepted, problems } = await run(requestId);
      return { message: accepted, problems: [...schemaProblems(accepted), ...problems] };
    }
    case 'error':
      provokeError(socket, values, description, wanted.code);
      return next((frame) => frame.type === 'error');
  }
  if (typeof type === 'string' && agentEvents.has(type)) {
    const { events, problems } = await run();
    const frame = events.find((event) => event.type === type);
    if (!frame)
      problems.unshift(
        `the run sent no ${type} frame; it sent ${events.map((event) => String(event.type)).join(', ')}`,
      );
    return { message: frame, problems };
  }
  throw new Error(`the socket driver cannot make the gateway send a frame of type ${String(type)}`);
}

/** Sends what makes the gateway answer with an error frame of `code`. */
function provokeError(
  socket: GatewaySocket,
  values: StateValues,
  description: string,
  code: unknown,
): void {
  switch (code) {
    case 'invalid_json':
      return socket.sendRaw('this is not JSON');
    case 'unknown_frame':
      return socket.send({ type: 'no_such_frame' });
    case 'validation_failed':
      return socket.send({ type: 'subscribe' });
    case 'thread_not_found':
      return socket.send({ type: 'subscribe', thread_id: '00000000-0000-4000-8000-000000000000' });
    case 'run_not_found':
      return socket.send({
        type: 'subscribe',
        thread_id: need<string>(values, 'thread_id', description),
        run_id: '00000000-0000-4000-8000-000000000000',
      });
    default:
      throw new Error(
        `the socket driver cannot provoke an error frame with code ${JSON.stringify(code)}`,
      );
  }
}

function schemaProblems(frame: Record<string, unknown>): string[] {
  return schemaRegistry()
    .validator('events/server-frame')
    .issues(frame)
    .map((issue) => `${String(frame.type)} frame ${issue.path}: ${issue.message}`);
}

/** The driver's findings join the verifier's mismatches; each fails its interaction. */
export function withFindings(
  report: VerificationReport,
  findings: ReadonlyMap<string, string[]>,
): VerificationReport {
  const interactions = report.interactions.map((interaction) => {
    const found = findings.get(interaction.description);
    if (!found) return interaction;
    const theirs = interaction.mismatches.filter((text) => !found.some((f) => text.includes(f)));
    return { ...interaction, success: false, mismatches: [...found, ...theirs] };
  });
  const failed = interactions.some((i) => !i.success && !i.pending);
  return { ...report, interactions, success: report.success && !failed };
}
