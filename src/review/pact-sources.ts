import { isAbsolute, relative } from 'node:path';
import type { BrokerClient } from '../broker/client.js';
import type { PactFile } from '../contracts/pact-files.js';
import type { ReviewedPact } from './consumer-impact.js';

// Where a review reads the pacts it judges changes by: pact files (the
// consumers' contract tests wrote them from the code under review), or the
// broker, which knows every consumer version that matters before a release.

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
  // What a schema change must keep working: each consumer's main line, and what runs somewhere.
  const selectors = [{ mainBranch: true }, { deployedOrReleased: true }];
  const perProvider = await Promise.all(
    providers.map(async (provider) =>
      (
        await client.selectedPacts(provider, {
          consumerVersionSelectors: selectors,
          includePendingStatus: false,
        })
      ).map((selected): ReviewedPact => {
        const pact = selected.content as {
          consumer?: { name?: unknown } | null;
          provider?: { name?: unknown } | null;
        } | null;
        const name = (party: { name?: unknown } | null | undefined) =>
          typeof party?.name === 'string' ? party.name : undefined;
        return {
          consumer: name(pact?.consumer) ?? '(unknown)',
          // The pact's own word, should a broker answer for another provider than asked.
          provider: name(pact?.provider) ?? provider,
          source: `${client.baseUrl}: ${selected.shortDescription || 'selected'}`,
          ...(selected.consumerVersion ? { version: selected.consumerVersion } : {}),
          content: selected.content,
        };
      }),
    ),
  );
  return perProvider.flat();
}
