import { validationFailed, type ValidationIssue } from '../errors/meshpact-error.js';
import type { Queryable } from '../runtime/db.js';
import type { PactsForVerificationRequest } from '../schemas/types.generated.js';
import {
  branchHeads,
  latestWithPact,
  pactsOfVersions,
  taggedVersions,
  verifiedContents,
  versionsInEnvironments,
  wipCandidates,
  type CandidatePact,
  type PickedVersion,
} from './store/selection.js';

// "Pacts for verification": which pacts a provider build should verify, given
// consumer version selectors, and which of them are pending (a failure does
// not fail the build) or work in progress. The rules are the Pact Broker's.

type Selector = NonNullable<PactsForVerificationRequest['consumerVersionSelectors']>[number];

export interface SelectedPact extends CandidatePact {
  /** One label per selector that picked it, e.g. "latest from branch main". */
  labels: string[];
  pending?: boolean;
  wip?: boolean;
  notices: { when: string; text: string }[];
}

const branchKeys = [
  'latest',
  'tag',
  'fallbackTag',
  'branch',
  'fallbackBranch',
  'matchingBranch',
  'mainBranch',
] as const;
const environmentKeys = ['environment', 'deployed', 'released', 'deployedOrReleased'] as const;

/** The selector rules of the Pact Broker; each broken one is reported at its selector's index. */
export function checkSelectors(request: PactsForVerificationRequest): void {
  const issues: ValidationIssue[] = [];
  (request.consumerVersionSelectors ?? []).forEach((s, index) => {
    const fail = (message: string) =>
      issues.push({ path: `/consumerVersionSelectors/${index}`, message });
    const has = (key: keyof Selector) => s[key] !== undefined;
    const chosen =
      s.mainBranch === true ||
      has('tag') ||
      has('branch') ||
      has('environment') ||
      s.matchingBranch === true ||
      s.deployed === true ||
      s.released === true ||
      s.deployedOrReleased === true ||
      s.latest === true;
    if (!chosen)
      fail(
        'a selector needs one of mainBranch, branch, matchingBranch, tag, environment, deployed, released, deployedOrReleased or latest: true',
      );
    if (
      s.mainBranch &&
      Object.keys(s).some((k) => !['mainBranch', 'consumer', 'latest'].includes(k))
    )
      fail('mainBranch may only be combined with consumer and latest');
    if (s.matchingBranch && Object.keys(s).some((k) => !['matchingBranch', 'consumer'].includes(k)))
      fail('matchingBranch may only be combined with consumer');
    if (s.matchingBranch && !request.providerVersionBranch)
      fail('matchingBranch needs providerVersionBranch');
    if (has('tag') && has('branch')) fail('a selector cannot have both tag and branch');
    if (branchKeys.some(has) && environmentKeys.some(has))
      fail('branch and tag keys cannot be combined with environment keys');
    if (has('fallbackTag') && !(has('tag') && s.latest === true))
      fail('fallbackTag needs tag and latest: true');
    if (has('fallbackBranch') && !has('branch')) fail('fallbackBranch needs branch');
    if (s.latest === false && (has('branch') || has('mainBranch') || has('fallbackBranch')))
      fail('latest: false cannot be used with branch or mainBranch');
    if ([s.deployed, s.released, s.deployedOrReleased].filter((v) => v === true).length > 1)
      fail('use only one of deployed, released and deployedOrReleased');
  });
  // Pact clients send "" when the provider build named no branch; the Pact
  // Broker takes it as none, unless pending or WIP pacts, which are worked
  // out from the branch, were asked for without tags.
  if (
    request.providerVersionBranch === '' &&
    (request.providerVersionTags ?? []).length === 0 &&
    (request.includePendingStatus === true || Boolean(request.includeWipPactsSince))
  )
    issues.push({
      path: '/providerVersionBranch',
      message:
        'must not be empty when pending or WIP pacts are asked for without tags: they are worked out from it; give the branch (recommended) or leave it out',
    });
  if (issues.length > 0) throw validationFailed('consumer version selectors', issues);
}

/** The selectors to use when a provider build names none: main branches (or latest), and what is deployed or released. */
const defaultSelectors: Selector[] = [{ mainBranch: true }, { deployedOrReleased: true }];

export async function pactsForVerification(
  db: Queryable,
  provider: { id: string; name: string },
  request: PactsForVerificationRequest,
): Promise<SelectedPact[]> {
  checkSelectors(request);
  const given = request.consumerVersionSelectors ?? [];
  const selectors = given.length > 0 ? given : defaultSelectors;
  const branch = request.providerVersionBranch || undefined;
  // The selectors are resolved side by side and their versions' pacts read in
  // one query: round trips, not rows, are what a verification request waits on.
  const resolved = (
    await Promise.all(
      selectors.map((selector) => resolve(db, provider.id, selector, branch, given.length === 0)),
    )
  ).flat();
  const pacts = await pactsOfVersions(
    db,
    provider.id,
    resolved.flatMap(({ versions }) => versions.map((v) => v.version_id)),
  );
  const picked: { pact: CandidatePact; label: string }[] = [];
  for (const { versions, label } of resolved) {
    const ids = new Set(versions.map((v) => v.version_id));
    for (const { consumer_version_id: versionId, ...pact } of pacts) {
      if (!ids.has(versionId)) continue;
      const via = versions.find((v) => v.consumer_id === pact.consumer_id)?.via ?? null;
      picked.push({ pact, label: label(via) });
    }
  }

  // One entry per consumer and content, from its newest consumer version.
  const groups = new Map<string, SelectedPact>();
  for (const { pact, label } of picked) {
    const key = `${pact.consumer_id}:${pact.sha}`;
    const found = groups.get(key);
    if (!found) {
      groups.set(key, { ...pact, labels: [label], notices: [] });
      continue;
    }
    if (!found.labels.includes(label)) found.labels.push(label);
    if (BigInt(pact.consumer_version_position) > BigInt(found.consumer_version_position))
      groups.set(key, { ...pact, labels: found.labels, notices: [] });
  }
  const selected = [...groups.values()];

  const includePending = request.includePendingStatus ?? true;
  const tags = request.providerVersionTags ?? [];
  if (includePending) await markPending(db, provider, selected, branch, tags);
  for (const pact of selected) {
    pact.notices.unshift({
      when: 'before_verification',
      text: `The pact at ${pact.consumer_name} version ${pact.consumer_version} is being verified because it matches the following configured selection criteria: ${pact.labels.join(', ')}`,
    });
  }

  if (request.includeWipPactsSince && (branch || tags.length > 0)) {
    const since = new Date(request.includeWipPactsSince);
    if (Number.isNaN(since.getTime()))
      throw validationFailed('request body', [
        { path: '/includeWipPactsSince', message: 'must be a date' },
      ]);
    const explicit = new Set(selected.map((pact) => `${pact.consumer_id}:${pact.sha}`));
    const candidates = (await wipCandidates(db, provider.id, since)).filter(
      (pact) => !explicit.has(`${pact.consumer_id}:${pact.sha}`),
    );
    const verified = await verifiedContents(
      db,
      provider.id,
      candidates.map((pact) => pact.pact_version_id),
      branch ? { branch } : { tag: tags[0]! },
    );
    const wip = new Map<string, SelectedPact>();
    for (const pact of candidates) {
      if (verified.has(pact.pact_version_id)) continue;
      const key = `${pact.consumer_id}:${pact.sha}`;
      const found = wip.get(key);
      if (
        found &&
        BigInt(found.consumer_version_position) >= BigInt(pact.consumer_version_position)
      )
        continue;
      wip.set(key, {
        ...pact,
        labels: ['work in progress'],
        pending: true,
        wip: true,
        notices: [
          {
            when: 'before_verification',
            text: `The pact at ${pact.consumer_name} version ${pact.consumer_version} is being verified because it is a 'work in progress' pact (the head of ${pact.via}, not yet successfully verified by ${provider.name}${branch ? ` on branch ${branch}` : ''}).`,
          },
          ...pendingAfter(provider.name),
        ],
      });
    }
    selected.push(...wip.values());
  }
  return selected.sort(
    (a, b) =>
      a.consumer_name.localeCompare(b.consumer_name) ||
      Number(BigInt(a.consumer_version_position) - BigInt(b.consumer_version_position)),
  );
}

interface Resolved {
  versions: PickedVersion[];
  label: (via: string | null) => string;
}

async function resolve(
  db: Queryable,
  providerId: string,
  s: Selector,
  providerBranch: string | undefined,
  byDefault: boolean,
): Promise<Resolved[]> {
  const consumer = s.consumer ?? null;
  if (s.mainBranch) {
    const heads = await branchHeads(db, providerId, consumer, 'main');
    const resolved: Resolved[] = [
      { versions: heads, label: (via) => `latest from main branch${via ? ` (${via})` : ''}` },
    ];
    if (byDefault) {
      // A consumer without a main branch: its latest pact instead.
      const withMain = new Set(heads.map((h) => h.consumer_id));
      const latest = (await latestWithPact(db, providerId, consumer)).filter(
        (v) => !withMain.has(v.consumer_id),
      );
      resolved.push({ versions: latest, label: () => 'latest' });
    }
    return resolved;
  }
  const branch = s.matchingBranch ? providerBranch : s.branch;
  if (branch === true)
    return [
      {
        versions: await branchHeads(db, providerId, consumer, 'all'),
        label: (via) => `latest from branch ${via}`,
      },
    ];
  if (typeof branch === 'string') {
    const heads = await branchHeads(db, providerId, consumer, { name: branch });
    const resolved: Resolved[] = [{ versions: heads, label: () => `latest from branch ${branch}` }];
    if (s.fallbackBranch) {
      const found = new Set(heads.map((h) => h.consumer_id));
      const fallback = (
        await branchHeads(db, providerId, consumer, { name: s.fallbackBranch })
      ).filter((h) => !found.has(h.consumer_id));
      resolved.push({
        versions: fallback,
        label: () => `latest from branch ${s.fallbackBranch} (fallback for ${branch})`,
      });
    }
    return resolved;
  }
  if (s.tag !== undefined) {
    const latestOnly = s.latest === true;
    const tagged = await taggedVersions(db, providerId, consumer, s.tag, latestOnly);
    const resolved: Resolved[] = [
      {
        versions: tagged,
        label: () => (latestOnly ? `latest with tag ${s.tag}` : `one of ${s.tag}`),
      },
    ];
    if (s.fallbackTag) {
      const found = new Set(tagged.map((t) => t.consumer_id));
      const fallback = (await taggedVersions(db, providerId, consumer, s.fallbackTag, true)).filter(
        (t) => !found.has(t.consumer_id),
      );
      resolved.push({
        versions: fallback,
        label: () => `latest with tag ${s.fallbackTag} (fallback for ${s.tag})`,
      });
    }
    return resolved;
  }
  const environment = s.environment ?? null;
  const deployed = s.deployed || s.deployedOrReleased || (environment !== null && !s.released);
  const released = s.released || s.deployedOrReleased || (environment !== null && !s.deployed);
  if (deployed || released) {
    const resolved: Resolved[] = [];
    if (deployed)
      resolved.push({
        versions: await versionsInEnvironments(db, providerId, consumer, 'deployed', environment),
        label: (via) => `deployed to ${via}`,
      });
    if (released)
      resolved.push({
        versions: await versionsInEnvironments(db, providerId, consumer, 'released', environment),
        label: (via) => `released in ${via}`,
      });
    return resolved;
  }
  return [{ versions: await latestWithPact(db, providerId, consumer), label: () => 'latest' }];
}

async function markPending(
  db: Queryable,
  provider: { id: string; name: string },
  selected: SelectedPact[],
  branch: string | undefined,
  tags: string[],
): Promise<void> {
  const ids = selected.map((pact) => pact.pact_version_id);
  const scopes = branch ? [{ branch }] : tags.length > 0 ? tags.map((tag) => ({ tag })) : [{}];
  const verified = await Promise.all(
    scopes.map((scope) => verifiedContents(db, provider.id, ids, scope)),
  );
  for (const pact of selected) {
    pact.pending = verified.some((set) => !set.has(pact.pact_version_id));
    if (!pact.pending) continue;
    const where = branch
      ? ` for a version with branch ${branch}`
      : tags.length > 0
        ? ` for a version with tags ${tags.join(', ')}`
        : '';
    pact.notices.push(
      {
        when: 'before_verification',
        text: `This pact is in pending state for this version of ${provider.name} because a successful verification result${where} has not yet been published. If this verification fails, it will not cause the overall build to fail.`,
      },
      ...pendingAfter(provider.name),
    );
  }
}

function pendingAfter(provider: string): { when: string; text: string }[] {
  return [
    {
      when: 'after_verification:success_true_published_false',
      text: `This pact is still in pending state for ${provider} as the successful verification results have not yet been published.`,
    },
    {
      when: 'after_verification:success_false_published_false',
      text: `This pact is still in pending state for ${provider} as the verification failed; the failure does not fail the build.`,
    },
    {
      when: 'after_verification:success_true_published_true',
      text: `This pact is no longer in pending state for ${provider}, as a successful verification result has been published.`,
    },
    {
      when: 'after_verification:success_false_published_true',
      text: `This pact is still in pending state for ${provider} as the verification failed; the failure does not fail the build.`,
    },
  ];
}
