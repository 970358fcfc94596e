import { join, relative, sep } from 'node:path';
import type { Mesh } from '../contracts/mesh-model.js';
import { reviewSchemas } from './api-surface.js';
import { consumerImpact, type ChangeImpact, type ReviewedPact } from './consumer-impact.js';
import { interactionsOf } from './pact-usage.js';
import { schemasAtRef, schemasInTree } from './schema-set.js';

// A whole review: the schemas of a git ref against those of the working
// tree, each change judged by its direction and by the pacts read.

/** A pact the review read, as its evidence lists it. */
export interface PactEvidence {
  consumer: string;
  provider: string;
  source: string;
  version?: string;
  interactions: number;
}

export interface SchemaReview {
  /** The git ref compared from. */
  base: string;
  pacts: PactEvidence[];
  changes: ChangeImpact[];
  /** Whether some change breaks a consumer that uses what changed. */
  breaksConsumers: boolean;
}

/** The providers each API document under `schemas/` describes, by the manifest's openapi and asyncapi. */
export function providersOfDocuments(mesh: Mesh): Map<string, string[]> {
  const schemas = join(mesh.root, 'schemas');
  const providers = new Map<string, string[]>();
  for (const pacticipant of mesh.pacticipants.values())
    for (const document of [pacticipant.openapi, pacticipant.asyncapi]) {
      if (document === undefined) continue;
      const key = relative(schemas, document).split(sep).join('/');
      providers.set(key, [...(providers.get(key) ?? []), pacticipant.name]);
    }
  return providers;
}

/** The providers whose pacts a review needs: those with an API document. */
export function reviewedProviders(mesh: Mesh): string[] {
  return [...new Set([...providersOfDocuments(mesh).values()].flat())];
}

/** Compares the mesh's schemas at `base` with the working tree, and judges each change by `pacts`. */
export function reviewMesh(
  mesh: Mesh,
  options: { base: string; pacts: readonly ReviewedPact[] },
): SchemaReview {
  const before = schemasAtRef(mesh.root, options.base);
  const after = schemasInTree(mesh.root);
  const changes = consumerImpact({
    changes: reviewSchemas(before, after),
    before,
    after,
    providersOf: providersOfDocuments(mesh),
    pacts: options.pacts,
  });
  return {
    base: options.base,
    pacts: options.pacts.map((pact) => ({
      consumer: pact.consumer,
      provider: pact.provider,
      source: pact.source,
      ...(pact.version ? { version: pact.version } : {}),
      interactions: interactionsOf(pact.content).length,
    })),
    changes,
    breaksConsumers: changes.some((change) => change.verdict === 'breaks'),
  };
}
