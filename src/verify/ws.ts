import { isDeepStrictEqual } from 'node:util';
import type { FlowRules } from '../contracts/mesh-model.js';
import { checkFlow, describeFlowProblem } from './flow-rules.js';
import { schemaFileCheck, type SchemaCheck } from '../schemas/schema-file.js';
import { expectedConversations, type ExpectedConversation } from './pact-documents.js';
import type { InteractionResult, VerificationReport } from './results.js';
import { CONVERSATION_DEADLINE_MS, conversationRequest, converse } from './socket-driver.js';
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

/** Pact's verifier must wait for the states and a whole conversation, not its default 30 s. */
const MESSAGE_TIMEOUT_MS = CONVERSATION_DEADLINE_MS + 30_000;

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
  // What each conversation held, in the order the verifier asked for them: the
  // interactions of one description (several pacts may share it) are reported
  // in that order too.
  const held = new Map<string, Held[]>();
  const report = await verifyWithPact({
    provider: options.provider,
    source: options.source,
    consumers: options.consumers,
    states,
    requestTimeoutMs: MESSAGE_TIMEOUT_MS,
    messages: {
      descriptions: conversations.keys(),
      produce: async (description, sent) => {
        let outcome: Held;
        try {
          outcome = await holdConversation(
            options.wsUrl,
            conversationOf(description, conversations.get(description) ?? [], sent),
            states.values,
            checks,
          );
        } catch (error) {
          outcome = { frames: [], problems: [(error as Error).message] };
        }
        held.set(description, [...(held.get(description) ?? []), outcome]);
        // Thrown so the verifier itself records a failure (and publishes it).
        if (outcome.problems.length > 0) throw new Error(outcome.problems.join('\n'));
        return { frames: outcome.frames };
      },
    },
  });
  return withHeld(report, held);
}

/**
 * The conversation of `description` whose request is the one Pact's verifier
 * sent: pacts of several consumers (or versions) may share a description.
 */
function conversationOf(
  description: string,
  candidates: readonly ExpectedConversation[],
  sent: unknown,
): ExpectedConversation {
  const distinct = (list: readonly ExpectedConversation[]) =>
    list.filter((c, i) => list.findIndex((other) => isDeepStrictEqual(other, c)) === i);
  const all = distinct(candidates);
  if (all.length === 1) return all[0]!;
  const sentContent = typeof sent === 'string' ? parseJson(sent) : sent;
  const matching = distinct(all.filter((c) => isDeepStrictEqual(c.request, sentContent)));
  if (matching.length === 1) return matching[0]!;
  throw new Error(
    `"${description}" names ${all.length} different conversations in the pacts verified, ${matching.length === 0 ? 'and none sends what the verifier asked for' : 'which send the same frames and expect different ones'}: give each its own description`,
  );
}

/** Each interaction gets what its conversation held, in the order the verifier held them. */
export function withHeld(
  report: VerificationReport,
  held: ReadonlyMap<string, readonly Held[]>,
): VerificationReport {
  const next = new Map<string, number>();
  const interactions = report.interactions.map((interaction) => {
    const index = next.get(interaction.description) ?? 0;
    next.set(interaction.description, index + 1);
    const outcome = held.get(interaction.description)?.[index];
    return outcome ? withOutcome(interaction, outcome) : interaction;
  });
  const failed = interactions.some((i) => !i.success && !i.pending);
  return { ...report, interactions, success: report.success && !failed };
}

interface Checks {
  frame?: SchemaCheck;
  flow?: FlowRules;
  frameTimeoutMs: number;
}

/** The frames a conversation received, and what the driver found wrong with them. */
export interface Held {
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

/**
 * One interaction with what its conversation held: the driver's findings
 * (schema, flow, missing frames) come first and fail it; where Pact's matching
 * failed it, the first frame that differs (the lowest `$.frames[N]` among
 * Pact's mismatches, which come in no useful order) is named first, with the
 * frame that came in its place.
 */
function withOutcome(interaction: InteractionResult, outcome: Held): InteractionResult {
  if (outcome.problems.length > 0) {
    // The verifier's own line for a producer that threw only repeats that the driver failed it.
    const theirs = interaction.mismatches.filter(
      (text) => !outcome.problems.some((f) => text.includes(f)) && !FETCH_FAILED.test(text),
    );
    return { ...interaction, success: false, mismatches: [...outcome.problems, ...theirs] };
  }
  if (interaction.success) return interaction;
  const indexes = interaction.mismatches.flatMap((text) => {
    const found = /^\$\.frames\[(\d+)\]/.exec(text);
    return found ? [Number(found[1])] : [];
  });
  if (indexes.length === 0) return interaction;
  const first = Math.min(...indexes);
  const line = `frames[${first}] is the first frame that differs; received ${quote(outcome.frames[first])}`;
  return { ...interaction, mismatches: [line, ...interaction.mismatches] };
}

function quote(frame: unknown): string {
  const text = JSON.stringify(frame) ?? 'nothing';
  return text.length <= QUOTE_CHARS ? text : `${text.slice(0, QUOTE_CHARS - 1)}…`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
