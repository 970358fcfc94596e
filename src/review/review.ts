import { join, relative, sep } from 'node:path';
import type { Mesh } from '../contracts/mesh-model.js';
import { reviewSchemas } from './api-surface.js';
import { consumerImpact, type ChangeImpact, type ReviewedPact } from './consumer-impact.js';
import type { SurfaceOptions } from './exchanges.js';
import type { FrameSchema } from './frame-exchanges.js';
import { interactionsOf } from './pact-reading.js';
import { schemasAtRef, schemasInTree } from './schema-set.js';

// A whole review: the schemas of a git ref against those of the working
// tree, each change judged by its direction and by the pacts read. The mesh
// manifest says which provider each API document and frame schema is of.

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
  /** Whether some change breaks a consumer that uses it. */
  breaksConsumers: boolean;
  /**
   * Whether some breaking change could not be checked: its provider has
   * consumers by the manifest but none of their pacts was read, or no
   * provider declares its document. Not known to break anyone, nor to be safe.
   */
  unverified: boolean;
}

/** A file of the manifest (absolute) as the schema set keys it: its path under `schemas/`. */
const keyOf = (mesh: Mesh, file: string) =>
  relative(join(mesh.root, 'schemas'), file).split(sep).join('/');

/**
 * The providers each API document and frame schema under `schemas/`
 * describes, by the manifest's openapi, asyncapi and ws frame schemas.
 */
function providersOfDocuments(mesh: Mesh): Map<string, string[]> {
  const providers = new Map<string, string[]>();
  for (const pacticipant of mesh.pacticipants.values())
    for (const document of [
      pacticipant.openapi,
      pacticipant.asyncapi,
      pacticipant.ws?.frameSchema,
      pacticipant.ws?.clientFrameSchema,
    ]) {
      if (document === undefined) continue;
      const key = keyOf(mesh, document);
      providers.set(key, [...(providers.get(key) ?? []), pacticipant.name]);
    }
  return providers;
}

/** The frame schemas of the manifest's WebSocket providers: server frames produced, client frames accepted. */
function frameSchemasOf(mesh: Mesh): FrameSchema[] {
  return [...mesh.pacticipants.values()].flatMap(({ ws, asyncapi }) => {
    const alongside = asyncapi === undefined ? {} : { asyncapi: keyOf(mesh, asyncapi) };
    return [
      ...(ws?.frameSchema
        ? [{ file: keyOf(mesh, ws.frameSchema), direction: 'produced' as const, ...alongside }]
        : []),
      ...(ws?.clientFrameSchema
        ? [
            {
              file: keyOf(mesh, ws.clientFrameSchema),
              direction: 'accepted' as const,
              ...alongside,
            },
          ]
        : []),
    ];
  });
}

/** The providers whose pacts a review needs: those with an API document or a frame schema. */
export function reviewedProviders(mesh: Mesh): string[] {
  return [...new Set([...providersOfDocuments(mesh).values()].flat())];
}

/** Compares the mesh's schemas at `base` with the working tree, and judges each change by `pacts`. */
export function reviewMesh(
  mesh: Mesh,
  options: {
    base: string;
    /** The commit `base` was resolved to, when the caller read other things from it too. */
    commit?: string;
    pacts: readonly ReviewedPact[];
  },
): SchemaReview {
  const before = schemasAtRef(mesh.root, options.commit ?? options.base);
  const after = schemasInTree(mesh.root);
  const surface: SurfaceOptions = { frameSchemas: frameSchemasOf(mesh) };
  const consumed = new Set(mesh.contracts.map((pair) => pair.provider));
  const changes = consumerImpact({
    changes: reviewSchemas(before, after, surface),
    before,
    after,
    providersOf: providersOfDocuments(mesh),
    pacts: options.pacts,
    surface,
  }).map((change) =>
    // No pact was read, and the manifest says none could be: nobody consumes these providers.
    change.verdict === 'unverified' &&
    change.providers.length > 0 &&
    change.providers.every((provider) => !consumed.has(provider))
      ? { ...change, verdict: 'unused' as const }
      : change,
  );
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
    unverified: changes.some((change) => change.verdict === 'unverified'),
  };
}
