import type { FlowRules } from '../contracts/mesh-model.js';
import { checkFlow, describeFlowProblem } from './flow-rules.js';
import { schemaFileCheck, type SchemaCheck } from '../schemas/schema-file.js';
import { expectedConversations, type ExpectedConversation } from './pact-documents.js';
import type { VerificationReport } from './results.js';
import { conversationRequest, converse } from './socket-driver.js';
import { fillStateGenerators } from './state-generators.js';
import { statesAt, type StateValues } from './states.js';
import { verifyWithPact, type PactSource } from './verifier.js';

// A WebSocket provider is verified conversation by conversation (each a V4
// synchronous message interaction, docs/websocket-contracts.md): the states
// are set up, the socket driver holds the conversation against the real
// endpoint, and Pact's matcher compares the frames received with the ones
// expected, by position. Each frame is also held to the provider's frame
// schema and the frames to its flow rules; a break there fails the
// interaction even where Pact's matching would let it pass.

export interface MessageVerificationOptions {
  provider: string;
  /** The provider's WebSocket endpoint, e.g. ws://127.0.0.1:4002/ws; a conversation's `connection.path` replaces its path. */
  wsUrl: string;
  /** Where the provider serves its states (POST {state, params, action}); none without one. */
  statesUrl?: string;
  /** Absolute path of the JSON Schema every server frame must match. */
  frameSchema?: string;
  /** The order rules of the provider's flows (x-meshpact-flow, or the manifest's ws.flow). */
  flow?: FlowRules;
  source: PactSource;
  consumers: string[];
  /** How long to wait for each next frame before the rest count as missing (default 5 s). */
  frameTimeoutMs?: number;
}

/** How Pact's verifier words a message producer that threw. */
const FETCH_FAILED = /^Request to fetch message from provider failed/;

/** How much of a frame a report quotes. */
const QUOTE_CHARS = 300;

export async function verifyMessageProvider(
  options: MessageVerificationOptions,
): Promise<VerificationReport> {
  const conversations = await expectedConversations(options.source, options.provider);
  const states = statesAt(options.provider, options.statesUrl);
  const checks: Checks = {
    ...(options.frameSchema ? { frame: schemaFileCheck(options.frameSchema) } : {}),
    ...(options.flow ? { flow: options.flow } : {}),
    frameTimeoutMs: options.frameTimeoutMs ?? 5_000,
  };
  const findings = new Map<string, string[]>();
  const received = new Map<string, unknown[]>();
  const report = await verifyWithPact({
    provider: options.provider,
    source: options.source,
    consumers: options.consumers,
    states,
    messages: {
      descriptions: conversations.keys(),
      produce: async (description) => {
        let held: Held;
        try {
          held = await holdConversation(
            options.wsUrl,
            conversations.get(description)!,
            states.values,
            checks,
          );
        } catch (error) {
          held = { frames: [], problems: [(error as Error).message] };
        }
        received.set(description, held.frames);
        if (held.problems.length > 0) {
          findings.set(description, held.problems);
          // Thrown so the verifier itself records a failure (and publishes it).
          throw new Error(held.problems.join('\n'));
        }
        return { frames: held.frames };
      },
    },
  });
  return withFirstDifference(withFindings(report, findings), received);
}

interface Checks {
  frame?: SchemaCheck;
  flow?: FlowRules;
  frameTimeoutMs: number;
}

/** The frames a conversation received, and what the driver found wrong with them. */
interface Held {
  frames: unknown[];
  problems: string[];
}

async function holdConversation(
  wsUrl: string,
  conversation: ExpectedConversation,
  values: StateValues,
  checks: Checks,
): Promise<Held> {
  const content = fillStateGenerators(conversation.request, conversation.generators, values);
  const request = conversationRequest(content);
  const expected = (conversation.response as { frames?: unknown } | undefined)?.frames;
  if (!Array.isArray(expected))
    throw new Error('the response message must be {frames: [...]}, the frames expected in order');
  const { frames, stopped } = await converse(wsUrl, request, expected.length, checks);

  const problems: string[] = [];
  if (stopped) {
    const last =
      frames.length > 0 ? `frames[${frames.length - 1}] ${quote(frames.at(-1))}` : 'none';
    problems.push(
      `frames[${frames.length}] never came: received ${frames.length} of ${expected.length} frames before ${stopped}; the last one seen: ${last}`,
    );
  }
  if (checks.frame) {
    const check = checks.frame;
    frames.forEach((frame, index) => {
      for (const issue of check(frame))
        problems.push(`frames[${index}] ${issue.path}: ${issue.message} (the frame schema)`);
    });
  }
  if (checks.flow) {
    const partial = request.partialFlows;
    problems.push(...checkFlow(checks.flow, frames, { partial }).map(describeFlowProblem));
  }
  return { frames, problems };
}

/** The driver's findings join the verifier's mismatches; each fails its interaction. */
export function withFindings(
  report: VerificationReport,
  findings: ReadonlyMap<string, string[]>,
): VerificationReport {
  const interactions = report.interactions.map((interaction) => {
    const found = findings.get(interaction.description);
    if (!found) return interaction;
    // The verifier's own line for a producer that threw only repeats that the driver failed it.
    const theirs = interaction.mismatches.filter(
      (text) => !found.some((f) => text.includes(f)) && !FETCH_FAILED.test(text),
    );
    return { ...interaction, success: false, mismatches: [...found, ...theirs] };
  });
  const failed = interactions.some((i) => !i.success && !i.pending);
  return { ...report, interactions, success: report.success && !failed };
}

/**
 * Pact lists a conversation's mismatches by JSON path, in no useful order;
 * the first frame that differs (the lowest `$.frames[N]`) is named first,
 * with the frame that came in its place.
 */
export function withFirstDifference(
  report: VerificationReport,
  received: ReadonlyMap<string, unknown[]>,
): VerificationReport {
  const interactions = report.interactions.map((interaction) => {
    const frames = received.get(interaction.description);
    if (interaction.success || !frames) return interaction;
    const indexes = interaction.mismatches.flatMap((text) => {
      const found = /^\$\.frames\[(\d+)\]/.exec(text);
      return found ? [Number(found[1])] : [];
    });
    if (indexes.length === 0) return interaction;
    const first = Math.min(...indexes);
    const line = `frames[${first}] is the first frame that differs; received ${quote(frames[first])}`;
    return { ...interaction, mismatches: [line, ...interaction.mismatches] };
  });
  return { ...report, interactions };
}

function quote(frame: unknown): string {
  const text = JSON.stringify(frame) ?? 'nothing';
  return text.length <= QUOTE_CHARS ? text : `${text.slice(0, QUOTE_CHARS - 1)}…`;
}
