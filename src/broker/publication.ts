import { MeshpactError, validationFailed, type ValidationIssue } from '../errors/meshpact-error.js';
import { jsonTextIssues } from '../http/json-guard.js';
import { withTransaction } from '../runtime/db.js';
import type { PublishContractsRequest } from '../schemas/types.generated.js';
import { canonicalJson, identifyPact } from './content-hash.js';
import { BROKER_MAX_DEPTH, type BrokerDeps } from './context.js';
import type { BrokerEvent, BrokerEventSink } from './events.js';
import { findOrCreatePacticipant, type PacticipantRow } from './store/pacticipants.js';
import {
  findPublication,
  latestPactSha,
  publishPact,
  storePactContent,
  versionsRequiringVerification,
} from './store/pacts.js';
import {
  addTag,
  addToBranch,
  findOrCreateVersion,
  setBuildUrl,
  type VersionRow,
} from './store/versions.js';

export interface Notice {
  type: 'debug' | 'info' | 'success' | 'warning' | 'prompt' | 'error';
  text: string;
}

type Pact = Record<string, unknown> & {
  consumer?: { name?: unknown };
  provider?: { name?: unknown };
  interactions?: unknown[];
  messages?: unknown[];
};

interface DecodedContract {
  provider: string;
  pact: Pact;
  merge: boolean;
}

export interface Publication {
  pacticipant: PacticipantRow;
  version: VersionRow;
  tags: string[];
  contracts: { provider: string; sha: string }[];
  notices: Notice[];
}

const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes and checks each contract before anything is written. */
export function decodeContracts(body: PublishContractsRequest): DecodedContract[] {
  const issues: ValidationIssue[] = [];
  // One consumer version has one pact per provider: a second one would
  // silently replace the first within this request, so neither is taken.
  const firstFor = new Map<string, number>();
  const decoded = body.contracts.map((contract, index): DecodedContract | undefined => {
    const at = `/contracts/${index}`;
    const first = firstFor.get(contract.providerName);
    if (first !== undefined)
      issues.push({
        path: `${at}/providerName`,
        message: `${contract.providerName} already has the pact at /contracts/${first}; publish one pact per provider (merge the pact files first)`,
      });
    else firstFor.set(contract.providerName, index);
    if (contract.consumerName !== body.pacticipantName) {
      issues.push({
        path: `${at}/consumerName`,
        message: `must be ${body.pacticipantName}, the pacticipant publishing`,
      });
      return undefined;
    }
    if (!strictBase64.test(contract.content)) {
      issues.push({ path: `${at}/content`, message: 'is not valid base64' });
      return undefined;
    }
    const bytes = Buffer.from(contract.content, 'base64');
    let pact: Pact;
    try {
      pact = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Pact;
    } catch {
      issues.push({ path: `${at}/content`, message: 'is not a UTF-8 JSON document' });
      return undefined;
    }
    if (pact === null || typeof pact !== 'object' || Array.isArray(pact)) {
      issues.push({ path: `${at}/content`, message: 'must be a pact: a JSON object' });
      return undefined;
    }
    // The decoded pact is a document of its own, held to the bounds of a body.
    const unstorable = jsonTextIssues(pact, { maxDepth: BROKER_MAX_DEPTH, at: `${at}/content` });
    if (unstorable.length > 0) {
      issues.push(...unstorable);
      return undefined;
    }
    if (pact.consumer?.name !== contract.consumerName)
      issues.push({
        path: `${at}/content`,
        message: `its consumer name must be ${contract.consumerName}`,
      });
    if (pact.provider?.name !== contract.providerName)
      issues.push({
        path: `${at}/content`,
        message: `its provider name must be ${contract.providerName}`,
      });
    return { provider: contract.providerName, pact, merge: contract.onConflict === 'merge' };
  });
  if (issues.length > 0) throw validationFailed('request body', issues);
  return decoded as DecodedContract[];
}

/**
 * POST /contracts/publish: the consumer version (created if new, with its
 * build URL, branch and tags) and its pacts, in one transaction. A pact whose
 * content changes for a consumer version that already published one is a
 * conflict, reported before anything is written.
 */
export async function publishContracts(
  deps: BrokerDeps & { events: BrokerEventSink },
  body: PublishContractsRequest,
): Promise<Publication> {
  const contracts = decodeContracts(body);
  const events: BrokerEvent[] = [];
  const result = await withTransaction(deps.db, async (trx) => {
    const at = deps.clock.now();
    const notices: Notice[] = [];
    const { row: pacticipant } = await findOrCreatePacticipant(trx, body.pacticipantName, at);
    const { row: version, created } = await findOrCreateVersion(
      trx,
      pacticipant.id,
      body.pacticipantVersionNumber,
      at,
    );
    const planned: {
      provider: PacticipantRow;
      content: Pact;
      sha: string;
      republished: boolean;
      changed: boolean;
    }[] = [];
    const conflicts: string[] = [];
    for (const contract of contracts) {
      const { row: provider } = await findOrCreatePacticipant(trx, contract.provider, at);
      const existing = await findPublication(trx, version.id, provider.id);
      let pact = contract.pact;
      if (existing && contract.merge) pact = mergePacts(existing.content, pact, conflicts);
      const { sha, content } = identifyPact(pact);
      if (existing && existing.sha !== sha && !contract.merge)
        conflicts.push(
          `Cannot change the content of the pact for ${pacticipant.name} version ${version.number} and provider ${provider.name}, as race conditions will cause unreliable results for can-i-deploy. Each pact must be published with a unique consumer version number.`,
        );
      const previousSha = existing
        ? existing.sha
        : await latestPactSha(trx, provider.id, pacticipant.id);
      planned.push({
        provider,
        content,
        sha,
        republished: existing !== undefined,
        changed: previousSha !== sha,
      });
    }
    if (conflicts.length > 0)
      throw new MeshpactError('conflict', conflicts[0]!, {
        extensions: {
          errors: { contracts: conflicts },
          notices: conflicts.map((text) => ({ type: 'error', text })),
        },
      });

    if (body.buildUrl) await setBuildUrl(trx, version.id, body.buildUrl, at);
    notices.push({
      type: 'debug',
      text: `${created ? 'Created' : 'Updated'} ${pacticipant.name} version ${version.number} with ${body.branch ? `branch ${body.branch}` : 'no branch'} and ${body.tags?.length ? `tags ${body.tags.join(', ')}` : 'no tags'}`,
    });
    if (body.branch) await addToBranch(trx, version, body.branch, at);
    else
      notices.push({
        type: 'prompt',
        text: 'Next time, publish with a branch (--branch): branches make consumer version selectors and can-i-deploy simpler.',
      });
    for (const tag of body.tags ?? []) await addTag(trx, version, tag, at);

    for (const { provider, content, sha, republished, changed } of planned) {
      const pactVersionId = await storePactContent(
        trx,
        {
          consumerId: pacticipant.id,
          providerId: provider.id,
          sha,
          content,
        },
        at,
      );
      await publishPact(trx, version, provider.id, pactVersionId, at);
      notices.push({
        type: 'success',
        text:
          republished && !changed
            ? `Pact published for ${pacticipant.name} version ${version.number} and provider ${provider.name} (unchanged).`
            : `Pact successfully published for ${pacticipant.name} version ${version.number} and provider ${provider.name}.`,
      });
      const event = {
        consumer: pacticipant.name,
        provider: provider.name,
        sha,
        consumerVersion: version.number,
      };
      events.push({ name: 'contract_published', ...event });
      if (changed) events.push({ name: 'contract_content_changed', ...event });
      for (const providerVersion of await versionsRequiringVerification(
        trx,
        provider.id,
        pactVersionId,
      ))
        events.push({
          name: 'contract_requiring_verification_published',
          ...event,
          providerVersion,
        });
    }
    return {
      pacticipant,
      version,
      tags: body.tags ?? [],
      contracts: planned.map(({ provider, sha }) => ({ provider: provider.name, sha })),
      notices,
    };
  });
  deps.events.emit(events);
  return result;
}

/**
 * Merges `incoming` into `existing`: interactions are matched by description
 * and provider states; a new one is added, an identical one kept, and one
 * that differs is a conflict.
 */
function mergePacts(existing: Pact, incoming: Pact, conflicts: string[]): Pact {
  const key = (interaction: unknown) => {
    const { description, providerStates, providerState } = (interaction ?? {}) as Record<
      string,
      unknown
    >;
    return canonicalJson({ description, providerStates, providerState });
  };
  const strip = (interaction: unknown) => {
    const { _id: _ignored, ...rest } = (interaction ?? {}) as Record<string, unknown>;
    return canonicalJson(rest);
  };
  const merged: Pact = { ...existing, ...incoming };
  for (const field of ['interactions', 'messages'] as const) {
    const before = existing[field];
    const adding = incoming[field];
    if (!Array.isArray(before) && !Array.isArray(adding)) continue;
    const byKey = new Map<string, unknown>();
    for (const interaction of before ?? []) byKey.set(key(interaction), interaction);
    for (const interaction of adding ?? []) {
      const found = byKey.get(key(interaction));
      if (found !== undefined && strip(found) !== strip(interaction)) {
        const description = String((interaction as { description?: unknown }).description);
        conflicts.push(
          `Cannot merge: the interaction "${description}" differs from the one already published for this version`,
        );
      }
      byKey.set(key(interaction), interaction);
    }
    merged[field] = [...byKey.values()];
  }
  return merged;
}
