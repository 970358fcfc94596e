import { readFile } from 'node:fs/promises';
import { BrokerClient } from '../broker/client.js';
import type { PactSource } from './verifier.js';

// A message provider must produce the message each interaction expects, so it
// reads the pacts too: the same ones the verifier will, from files or a broker.

/** A pact file as far as messages are concerned: V4 interactions, or a V3 `messages` list. */
interface PactDocument {
  interactions?: { type?: string; description?: string; contents?: MessageContents }[];
  messages?: { description?: string; contents?: unknown }[];
}

interface MessageContents {
  content?: unknown;
  contentType?: string;
  encoded?: boolean | string;
}

/** Each message interaction's description and its example contents (parsed JSON). */
export async function expectedMessages(
  source: PactSource,
  provider: string,
): Promise<Map<string, unknown>> {
  const documents =
    'files' in source
      ? await Promise.all(
          source.files.map(
            async (file) => JSON.parse(await readFile(file, 'utf8')) as PactDocument,
          ),
        )
      : await pactsForVerification(source, provider);
  const messages = new Map<string, unknown>();
  for (const document of documents) {
    for (const interaction of document.interactions ?? []) {
      if (interaction.type !== 'Asynchronous/Messages' || !interaction.description) continue;
      messages.set(interaction.description, decode(interaction.contents));
    }
    for (const message of document.messages ?? [])
      if (message.description) messages.set(message.description, message.contents);
  }
  return messages;
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
