import { isAbsolute, relative } from 'node:path';
import { BrokerRequestError, type BrokerClient } from '../broker/client.js';
import type { PactFile } from '../contracts/pact-files.js';
import type { ReviewedPact } from './consumer-impact.js';

// Where a review reads the pacts it judges changes by: pact files (the
// consumers' contract tests wrote them from the code under review), or the
// broker, which knows every consumer version that matters before a release.

/** The consumer versions the broker is asked for: the latest on each main branch, and every one deployed or released. */
export const reviewSelectors = [{ mainBranch: true }, { deployedOrReleased: true }];

/** Pact files as the review reads them, each named by its path relative to `from` when under it, else in full. */
export function reviewedPactFiles(files: readonly PactFile[], from: string): ReviewedPact[] {
  const name = (file: string) => {
    const path = relative(from, file);
    return path.startsWith('..') || isAbsolute(path) ? file : path;
  };
  return files.map((pact) => ({
    consumer: pact.consumer,
    provider: pact.provider,
    source: name(pact.file),
    content: pact.content,
  }));
}

/** Each provider's pacts as the broker selects them for the review's selectors. */
export async function pactsFromBroker(
  client: BrokerClient,
  providers: readonly string[],
): Promise<ReviewedPact[]> {
  const perProvider = await Promise.all(
    providers.map(async (provider) =>
      (
        await client
          .selectedPacts(provider, {
            consumerVersionSelectors: reviewSelectors,
            includePendingStatus: false,
          })
          // A provider the broker has never heard of has no consumers yet.
          .catch((error: unknown) => {
            if (error instanceof BrokerRequestError && error.status === 404) return [];
            throw error;
          })
      ).map((selected): ReviewedPact => {
        const content = selected.content as { consumer?: { name?: unknown } };
        return {
          consumer:
            typeof content.consumer?.name === 'string' ? content.consumer.name : '(unknown)',
          provider,
          source: `${client.baseUrl}: ${selected.shortDescription || 'selected'}`,
          ...(selected.consumerVersion ? { version: selected.consumerVersion } : {}),
          content: selected.content,
        };
      }),
    ),
  );
  return perProvider.flat();
}
