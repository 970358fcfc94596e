import { resolve } from 'node:path';
import { readPactFiles } from '../contracts/pact-files.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import type { PactSource } from './verifier.js';

export type ConsumerVersionSelectors = Extract<
  PactSource,
  { brokerUrl: string }
>['consumerVersionSelectors'];

/**
 * What a provider verifies from a broker unless told otherwise, as the Pact
 * docs recommend: the consumers' main branch heads, the head of the consumer
 * branch named like the provider's, and whatever is deployed or released.
 */
export const defaultConsumerVersionSelectors: ConsumerVersionSelectors = [
  { mainBranch: true },
  { matchingBranch: true },
  { deployedOrReleased: true },
];

/** `--consumer-version-selectors` text: a JSON array of selector objects. */
export function parseConsumerVersionSelectors(json: string): ConsumerVersionSelectors {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new MeshpactError(
      'invalid_usage',
      `consumer version selectors are not JSON: ${(error as Error).message}`,
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length === 0 ||
    !parsed.every((s) => typeof s === 'object' && s !== null && !Array.isArray(s))
  )
    throw new MeshpactError(
      'invalid_usage',
      'consumer version selectors must be a JSON array of objects, e.g. [{"mainBranch":true}]',
    );
  return parsed as ConsumerVersionSelectors;
}

/** The pact files in `dir` whose provider is `provider`; none is a usage error. */
export function localPactSource(dir: string, provider: string): { files: string[] } {
  const files = readPactFiles(resolve(dir))
    .filter((pact) => pact.provider === provider)
    .map((pact) => pact.file);
  if (files.length === 0)
    throw new MeshpactError('invalid_usage', `no pact files for ${provider} in ${dir}`);
  return { files };
}
