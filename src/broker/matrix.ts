import { MeshpactError } from '../errors/meshpact-error.js';
import type { Queryable } from '../runtime/db.js';
import { findPacticipant, type PacticipantRow } from './store/pacticipants.js';
import {
  consumersOf,
  matrixLines,
  providersOf,
  publicationsOf,
  selectorVersions,
  versionsInTarget,
  type MatrixSide,
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
  pactSha: string;
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
  /** Rows left out of the decision; undefined when the query named nothing to ignore. */
  ignored: number | undefined;
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
  // The lookups that depend on nothing else go out together (a round trip
  // costs more than any of these queries); their answers are checked in order.
  const names = [
    ...new Set([...query.selectors, ...(query.ignore ?? [])].map((s) => s.pacticipant)),
  ];
  const environmentName =
    query.target && 'environment' in query.target ? query.target.environment : undefined;
  const [found, environments] = await Promise.all([
    Promise.all(names.map((name) => findPacticipant(db, name))),
    environmentName === undefined
      ? undefined
      : db.query<{ id: string; name: string }>(
          'SELECT id, name FROM broker_environments WHERE name = $1',
          [environmentName],
        ),
  ]);
  for (const [index, row] of found.entries()) {
    if (!row) throw invalidMatrixQuery(`Pacticipant ${names[index]!} not found`);
    remember(row);
  }
  for (const selector of query.selectors)
    if (selector.version !== undefined && selector.latest)
      throw invalidMatrixQuery(
        `A version number and latest cannot both be given for ${selector.pacticipant}`,
      );

  let target: Target | undefined;
  if (environments) {
    if (!environments.rows[0])
      throw invalidMatrixQuery(`Environment with name '${environmentName!}' does not exist`);
    target = { environment: environments.rows[0] };
  } else if (query.target && !('environment' in query.target)) target = query.target;

  const reasons: string[] = [];
  const warnings: string[] = [];
  // A selector naming only a pacticipant stands for all its versions: it is
  // matched by pacticipant, never expanded into a list of versions.
  const resolved: {
    selector: MatrixSelector;
    pacticipant: PacticipantRow;
    versions: MatrixVersion[] | 'all';
  }[] = [];
  let missing = false;
  for (const selector of query.selectors) {
    const pacticipant = pacticipants.get(selector.pacticipant)!;
    if (namesOnlyPacticipant(selector)) {
      resolved.push({ selector, pacticipant, versions: 'all' });
      continue;
    }
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

  const loadPacticipants = async (ids: string[]) => {
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length === 0) return;
    const { rows: found } = await db.query<PacticipantRow>(
      'SELECT * FROM broker_pacticipants WHERE id = ANY($1::bigint[])',
      [unknown],
    );
    for (const row of found) remember(row);
  };

  // Both sides of the matrix: the selectors' versions, plus, with a target,
  // the target's versions of the pacticipants they integrate with.
  const specified = new Set(resolved.map((r) => r.pacticipant.id));
  const side: MatrixSide = { versionIds: [], allOf: [] };
  for (const { pacticipant, versions } of resolved)
    if (versions === 'all') side.allOf.push(pacticipant.id);
    else side.versionIds.push(...versions.map((v) => v.id));
  const inferredVersions = new Map<string, MatrixVersion[]>();
  if (target) {
    const inferred = new Set<string>();
    for (const { pacticipant, versions } of resolved) {
      const [providers, consumers] = await Promise.all([
        // As consumer: the providers of these versions' pacts are required.
        versions === 'all'
          ? providersOf(db, pacticipant.id)
          : publicationsOf(
              db,
              versions.map((v) => v.id),
            ).then((publications) => publications.map((p) => p.provider_id)),
        // As provider: consumers count where their version in the target has a pact with it.
        consumersOf(db, pacticipant.id),
      ]);
      for (const id of [...providers, ...consumers]) if (!specified.has(id)) inferred.add(id);
    }
    for (const version of await versionsInTarget(db, [...inferred], target)) {
      side.versionIds.push(version.id);
      inferredVersions.set(version.pacticipant_id, [
        ...(inferredVersions.get(version.pacticipant_id) ?? []),
        version,
      ]);
    }
    for (const id of inferred) inferredVersions.set(id, inferredVersions.get(id) ?? []);
  }
  const involved = [...specified, ...inferredVersions.keys()];
  const hasAll = side.allOf.length > 0;
  const [allLines] = await Promise.all([
    matrixLines(db, side, involved, side, hasAll ? (query.limit ?? 100) : null),
    loadPacticipants([...inferredVersions.keys()]),
  ]);
  const lines = allLines.filter(
    (line) => specified.has(line.consumer_id) || specified.has(line.provider_id),
  );

  const ignoredBy = (pacticipant: PacticipantRow, version: MatrixVersion | null) =>
    (query.ignore ?? []).some(
      (i) =>
        i.pacticipant === pacticipant.name &&
        (i.version === undefined || i.version === version?.number),
    );
  const rows: MatrixRow[] = lines.map((line) => {
    const consumer = { pacticipant: byId.get(line.consumer_id)!, version: line.consumer_version };
    const provider = { pacticipant: byId.get(line.provider_id)!, version: line.provider_version };
    return {
      consumer,
      provider,
      pactVersionId: line.pact_version_id,
      pactSha: line.pact_sha,
      pactCreatedAt: line.pact_created_at,
      verification: line.verification,
      ignored:
        ignoredBy(consumer.pacticipant, consumer.version) ||
        ignoredBy(provider.pacticipant, provider.version),
    };
  });
  /** The provider-side versions a row without a verification was looked for among. */
  const providerSide = (providerId: string): MatrixVersion[] | 'all' | undefined => {
    const own = resolved.filter((r) => r.pacticipant.id === providerId);
    if (own.some((r) => r.versions === 'all')) return 'all';
    if (own.length > 0) return own.flatMap((r) => (r.versions === 'all' ? [] : r.versions));
    return inferredVersions.get(providerId);
  };

  const newest = query.latestby === 'cvp' ? newestProviderVersions(rows) : rows;
  const wanted = query.success;
  const latest = wanted
    ? newest.filter((row) => wanted.includes(row.verification?.success ?? null))
    : newest;
  const considered = latest.filter((row) => !row.ignored);
  const ignored = latest.filter((row) => row.ignored);
  const failed = considered.filter((row) => row.verification?.success === false);
  const unknown = considered.filter((row) => row.verification === null);
  const succeeded = considered.filter((row) => row.verification?.success === true);
  const name = (side: { pacticipant: PacticipantRow; version: MatrixVersion | null }) =>
    side.version ? `${side.pacticipant.name} (${side.version.number})` : `${side.pacticipant.name}`;
  const unverifiedBy = (row: MatrixRow): string => {
    const versions = providerSide(row.provider.pacticipant.id);
    if (versions === 'all') return `a version of ${row.provider.pacticipant.name}`;
    if (versions?.length === 1) return name({ ...row.provider, version: versions[0]! });
    return otherVersion(row.provider.pacticipant.name, query.target);
  };
  for (const row of unknown)
    reasons.push(
      `There is no verified pact between ${name(row.consumer)} and ${unverifiedBy(row)}`,
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
    // As the Pact Broker lists them: the rows that decide first, then the ignored ones.
    rows: [...considered, ...ignored].slice(0, query.limit ?? 100),
    deployable,
    reasons,
    success: succeeded.length,
    failed: failed.length,
    unknown: unknown.length,
    ignored: (query.ignore ?? []).length > 0 ? ignored.length : undefined,
    warnings,
  };
}

const namesOnlyPacticipant = (selector: MatrixSelector): boolean =>
  selector.version === undefined &&
  !selector.latest &&
  selector.tag === undefined &&
  selector.branch === undefined &&
  !selector.mainBranch;

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
