import { MeshpactError } from '../errors/meshpact-error.js';
import type { Queryable } from '../runtime/db.js';
import { findPacticipant, type PacticipantRow } from './store/pacticipants.js';
import {
  consumersOf,
  publicationsOf,
  selectorVersions,
  verificationsOf,
  versionsInTarget,
  type MatrixVersion,
  type Target,
  type VerificationOutcome,
} from './store/matrix.js';

// The matrix: which consumer version was verified by which provider version,
// and can-i-deploy's decision from it. With a target (an environment, a tag,
// the main branch, or latest) the other side of each integration is inferred:
// a pacticipant's providers are required, its consumers only count where their
// version in the target has a pact with it.

export interface MatrixSelector {
  pacticipant: string;
  version?: string;
  latest?: boolean;
  tag?: string;
  branch?: string;
  mainBranch?: boolean;
}

export interface MatrixQuery {
  selectors: MatrixSelector[];
  /** `cvp`: the newest provider version per consumer version and provider. */
  latestby?: 'cvpv' | 'cvp' | 'cp';
  target?: { environment: string } | { tag: string } | { mainBranch: true } | { latest: true };
  ignore?: { pacticipant: string; version?: string }[];
  limit?: number;
  /** Keep only rows whose verification succeeded (true), failed (false) or is missing (null), after `latestby`. */
  success?: (boolean | null)[];
}

export interface MatrixRow {
  consumer: { pacticipant: PacticipantRow; version: MatrixVersion };
  provider: { pacticipant: PacticipantRow; version: MatrixVersion | null };
  pactVersionId: string;
  pactCreatedAt: Date;
  verification: VerificationOutcome | null;
  ignored: boolean;
}

export interface MatrixAnswer {
  rows: MatrixRow[];
  deployable: boolean | null;
  reasons: string[];
  success: number;
  failed: number;
  unknown: number;
  ignored: number;
  warnings: string[];
}

/** The provider's side of an integration without a version in the target, in words. */
const otherVersion = (provider: string, target: MatrixQuery['target']): string =>
  !target
    ? `a selected version of ${provider}`
    : 'environment' in target
      ? `a version of ${provider} in ${target.environment}`
      : 'tag' in target
        ? `a version of ${provider} with tag ${target.tag}`
        : 'mainBranch' in target
          ? `a version of ${provider} from its main branch`
          : `a version of ${provider}`;

export async function computeMatrix(db: Queryable, query: MatrixQuery): Promise<MatrixAnswer> {
  if (query.selectors.length === 0)
    throw invalidMatrixQuery('Please provide 1 or more version selectors');
  const pacticipants = new Map<string, PacticipantRow>();
  const byId = new Map<string, PacticipantRow>();
  const remember = (row: PacticipantRow) => (
    pacticipants.set(row.name, row),
    byId.set(row.id, row),
    row
  );
  for (const selector of [...query.selectors, ...(query.ignore ?? [])]) {
    if (pacticipants.has(selector.pacticipant)) continue;
    const row = await findPacticipant(db, selector.pacticipant);
    if (!row) throw invalidMatrixQuery(`Pacticipant ${selector.pacticipant} not found`);
    remember(row);
  }
  for (const selector of query.selectors)
    if (selector.version !== undefined && selector.latest)
      throw invalidMatrixQuery(
        `A version number and latest cannot both be given for ${selector.pacticipant}`,
      );

  let target: Target | undefined;
  if (query.target && 'environment' in query.target) {
    const { rows } = await db.query<{ id: string; name: string }>(
      'SELECT id, name FROM broker_environments WHERE name = $1',
      [query.target.environment],
    );
    if (!rows[0])
      throw invalidMatrixQuery(
        `Environment with name '${query.target.environment}' does not exist`,
      );
    target = { environment: rows[0] };
  } else if (query.target) target = query.target;

  const reasons: string[] = [];
  const warnings: string[] = [];
  const resolved: {
    selector: MatrixSelector;
    pacticipant: PacticipantRow;
    versions: MatrixVersion[];
  }[] = [];
  let missing = false;
  for (const selector of query.selectors) {
    const pacticipant = pacticipants.get(selector.pacticipant)!;
    const versions = await selectorVersions(db, pacticipant.id, selector);
    if (versions.length === 0) {
      missing = true;
      reasons.push(
        selector.version !== undefined
          ? `No version with number ${selector.version} exists for ${pacticipant.name}`
          : `No version of ${pacticipant.name} matches ${JSON.stringify(selector)}`,
      );
    }
    if (selector.version === undefined && !selector.latest && !selector.mainBranch)
      warnings.push(
        `Selector for ${pacticipant.name} names no version: every version matching it is considered`,
      );
    resolved.push({ selector, pacticipant, versions });
  }
  if (query.selectors.length === 1 && !query.target)
    warnings.push(
      'Only one selector and no target: give --to-environment, --to or --latest to say what to deploy with',
    );

  const rows: MatrixRow[] = [];
  const named = new Set(resolved.map((r) => r.pacticipant.id));
  const loadPacticipants = async (ids: string[]) => {
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length === 0) return;
    const { rows: found } = await db.query<PacticipantRow>(
      'SELECT * FROM broker_pacticipants WHERE id = ANY($1::bigint[])',
      [missing],
    );
    for (const row of found) remember(row);
  };
  const pending: Omit<MatrixRow, 'verification' | 'ignored'>[] = [];
  const required: {
    consumer: MatrixVersion;
    providerId: string;
    pactVersionId: string;
    createdAt: Date;
  }[] = [];

  for (const { pacticipant, versions } of resolved) {
    const otherSide = async (ids: string[]): Promise<MatrixVersion[]> => {
      if (target) return versionsInTarget(db, ids, target);
      return resolved.filter((r) => ids.includes(r.pacticipant.id)).flatMap((r) => r.versions);
    };
    // As consumer: every provider of these versions' pacts is required.
    const published = await publicationsOf(
      db,
      versions.map((v) => v.id),
    );
    const providerIds = [...new Set(published.map((p) => p.provider_id))].filter(
      (id) => target || named.has(id),
    );
    await loadPacticipants(providerIds);
    const providerVersions = await otherSide(providerIds);
    for (const publication of published) {
      if (!providerIds.includes(publication.provider_id)) continue;
      const consumerVersion = versions.find((v) => v.id === publication.consumer_version_id)!;
      const candidates = providerVersions.filter(
        (v) => v.pacticipant_id === publication.provider_id,
      );
      if (candidates.length === 0)
        required.push({
          consumer: consumerVersion,
          providerId: publication.provider_id,
          pactVersionId: publication.pact_version_id,
          createdAt: publication.created_at,
        });
      for (const providerVersion of candidates)
        pending.push({
          consumer: { pacticipant, version: consumerVersion },
          provider: { pacticipant: byId.get(publication.provider_id)!, version: providerVersion },
          pactVersionId: publication.pact_version_id,
          pactCreatedAt: publication.created_at,
        });
    }
    // As provider: consumers count where their version in the target has a pact with it.
    const consumerIds = (await consumersOf(db, pacticipant.id)).filter(
      (id) => target || named.has(id),
    );
    if (consumerIds.length === 0) continue;
    // Without a target, pairs of named selectors were found from the consumer's side already.
    const fromTarget = target ? consumerIds : [];
    await loadPacticipants(fromTarget);
    const consumerVersions = await otherSide(fromTarget);
    const theirs = await publicationsOf(
      db,
      consumerVersions.map((v) => v.id),
      pacticipant.id,
    );
    for (const publication of theirs) {
      const consumerVersion = consumerVersions.find(
        (v) => v.id === publication.consumer_version_id,
      )!;
      for (const providerVersion of versions)
        pending.push({
          consumer: { pacticipant: byId.get(publication.consumer_id)!, version: consumerVersion },
          provider: { pacticipant, version: providerVersion },
          pactVersionId: publication.pact_version_id,
          pactCreatedAt: publication.created_at,
        });
    }
  }

  const verifications = await verificationsOf(
    db,
    pending.map((row) => ({
      pactVersionId: row.pactVersionId,
      providerVersionId: row.provider.version!.id,
    })),
  );
  const ignoredBy = (pacticipant: PacticipantRow, version: MatrixVersion | null) =>
    (query.ignore ?? []).some(
      (i) =>
        i.pacticipant === pacticipant.name &&
        (i.version === undefined || i.version === version?.number),
    );
  for (const row of pending)
    rows.push({
      ...row,
      verification: verifications.get(`${row.pactVersionId}:${row.provider.version!.id}`) ?? null,
      ignored:
        ignoredBy(row.consumer.pacticipant, row.consumer.version) ||
        ignoredBy(row.provider.pacticipant, row.provider.version),
    });
  for (const missingRow of required)
    rows.push({
      consumer: {
        pacticipant: byId.get(missingRow.consumer.pacticipant_id)!,
        version: missingRow.consumer,
      },
      provider: { pacticipant: byId.get(missingRow.providerId)!, version: null },
      pactVersionId: missingRow.pactVersionId,
      pactCreatedAt: missingRow.createdAt,
      verification: null,
      ignored: ignoredBy(byId.get(missingRow.providerId)!, null),
    });

  const newest = query.latestby === 'cvp' ? newestProviderVersions(rows) : rows;
  const wanted = query.success;
  const latest = wanted
    ? newest.filter((row) => wanted.includes(row.verification?.success ?? null))
    : newest;
  const considered = latest.filter((row) => !row.ignored);
  const failed = considered.filter((row) => row.verification?.success === false);
  const unknown = considered.filter((row) => row.verification === null);
  const succeeded = considered.filter((row) => row.verification?.success === true);
  const name = (side: { pacticipant: PacticipantRow; version: MatrixVersion | null }) =>
    side.version ? `${side.pacticipant.name} (${side.version.number})` : `${side.pacticipant.name}`;
  for (const row of unknown)
    reasons.push(
      row.provider.version
        ? `There is no verified pact between ${name(row.consumer)} and ${name(row.provider)}`
        : `There is no verified pact between ${name(row.consumer)} and ${otherVersion(row.provider.pacticipant.name, query.target)}`,
    );
  for (const row of failed)
    reasons.push(
      `The verification for the pact between ${name(row.consumer)} and ${name(row.provider)} failed`,
    );
  const deployable = missing ? false : failed.length > 0 ? false : unknown.length > 0 ? null : true;
  if (deployable === true)
    reasons.push(
      considered.length > 0
        ? 'All required verification results are published and successful'
        : 'There are no missing dependencies',
    );
  return {
    rows: latest.slice(0, query.limit ?? 100),
    deployable,
    reasons,
    success: succeeded.length,
    failed: failed.length,
    unknown: unknown.length,
    ignored: latest.length - considered.length,
    warnings,
  };
}

/** For each consumer version and provider, only the row of the newest provider version. */
function newestProviderVersions(rows: MatrixRow[]): MatrixRow[] {
  const best = new Map<string, MatrixRow>();
  for (const row of rows) {
    const key = `${row.consumer.version.id}:${row.provider.pacticipant.id}`;
    const found = best.get(key);
    const position = (r: MatrixRow) => BigInt(r.provider.version?.position ?? -1);
    if (!found || position(row) > position(found)) best.set(key, row);
  }
  return [...best.values()];
}

/** A matrix query that cannot be answered: `errors` is a list of strings, as the Pact clients read it. */
export function invalidMatrixQuery(message: string): MeshpactError {
  return new MeshpactError('validation_failed', message, { extensions: { errors: [message] } });
}
