import { readFile } from 'node:fs/promises';
import { BrokerClient } from '../broker/client.js';
import type { PactSource } from './verifier.js';

// A WebSocket provider must hold each conversation the contract describes, so
// the socket driver reads the pacts too (the same ones the verifier will, from
// files or a broker): what the client sends, with the generators Pact's
// verifier leaves to it, and what must come back.

/** A pact file as far as conversations are concerned: V4 synchronous message interactions. */
interface PactDocument {
  interactions?: {
    type?: string;
    description?: string;
    request?: { contents?: MessageContents; generators?: { body?: Record<string, Generator> } };
    response?: { contents?: MessageContents }[];
  }[];
}

interface MessageContents {
  content?: unknown;
  contentType?: string;
  encoded?: boolean | string;
}

/** A Pact generator as pact files write it, e.g. {type: ProviderState, expression: "${token}"}. */
export interface Generator {
  type?: string;
  expression?: string;
}

/** One synchronous message interaction of a pact: a WebSocket conversation (docs/websocket-contracts.md). */
export interface ExpectedConversation {
  /** The request message's contents: `{connection?, frames, flow?}` as the consumer wrote it. */
  request: unknown;
  /** The request's body generators by JSON path (`$.frames[0].thread_id`). */
  generators: Readonly<Record<string, Generator>>;
  /** The one response message's contents: `{frames}`. */
  response: unknown;
}

/**
 * Each synchronous message interaction's contents (parsed JSON), by
 * description: several consumers, or several versions of one consumer's pact
 * fetched by different selectors, may use one description.
 */
export async function expectedConversations(
  source: PactSource,
  provider: string,
): Promise<Map<string, ExpectedConversation[]>> {
  const documents =
    'files' in source
      ? await Promise.all(
          source.files.map(
            async (file) => JSON.parse(await readFile(file, 'utf8')) as PactDocument,
          ),
        )
      : await pactsForVerification(source, provider);
  const conversations = new Map<string, ExpectedConversation[]>();
  for (const document of documents) {
    for (const interaction of document.interactions ?? []) {
      if (interaction.type !== 'Synchronous/Messages' || !interaction.description) continue;
      const same = conversations.get(interaction.description) ?? [];
      same.push({
        request: decode(interaction.request?.contents),
        generators: interaction.request?.generators?.body ?? {},
        response: decode(interaction.response?.[0]?.contents),
      });
      conversations.set(interaction.description, same);
    }
  }
  return conversations;
}

function decode(contents: MessageContents | undefined): unknown {
  const content = contents?.content;
  if (typeof content !== 'string') return content;
  const text = contents?.encoded ? Buffer.from(content, 'base64').toString('utf8') : content;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type BrokerSource = Exclude<PactSource, { files: string[] }>;

/** The pacts the verifier will be given: the broker's "pacts for verification" for these selectors. */
async function pactsForVerification(
  source: BrokerSource,
  provider: string,
): Promise<PactDocument[]> {
  const client = new BrokerClient({ baseUrl: source.brokerUrl, token: source.token });
  return (await client.pactsForVerification(provider, {
    consumerVersionSelectors: source.consumerVersionSelectors,
    includePendingStatus: source.enablePending ?? true,
    ...(source.providerVersionBranch
      ? { providerVersionBranch: source.providerVersionBranch }
      : {}),
    ...(source.includeWipPactsSince ? { includeWipPactsSince: source.includeWipPactsSince } : {}),
  })) as PactDocument[];
}
