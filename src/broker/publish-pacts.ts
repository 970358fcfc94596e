import type { PactFile } from '../contracts/pact-files.js';
import type { BrokerClient } from './client.js';

/** What publishing one consumer's pacts did, with the broker's own notices. */
export interface Publication {
  consumer: string;
  version: string;
  providers: string[];
  notices: { type: string; text: string }[];
}

/**
 * Publishes pact files as the `pact-broker publish` CLI does: one publication
 * per consumer (a consumer version owns all its pacts), all under one version,
 * branch and tags. Consumers are published one after another, in name order.
 */
export async function publishPacts(
  client: BrokerClient,
  options: { pacts: PactFile[]; version: string; branch?: string; tags?: string[] },
): Promise<Publication[]> {
  const byConsumer = new Map<string, PactFile[]>();
  for (const pact of options.pacts)
    byConsumer.set(pact.consumer, [...(byConsumer.get(pact.consumer) ?? []), pact]);
  const publications: Publication[] = [];
  for (const [consumer, pacts] of [...byConsumer].sort(([a], [b]) => a.localeCompare(b))) {
    const answer = await client.publish({
      pacticipant: consumer,
      version: options.version,
      ...(options.branch ? { branch: options.branch } : {}),
      ...(options.tags?.length ? { tags: options.tags } : {}),
      pacts,
    });
    publications.push({
      consumer,
      version: options.version,
      providers: pacts.map((pact) => pact.provider),
      notices: answer.notices ?? [],
    });
  }
  return publications;
}
