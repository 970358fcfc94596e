import type { Queryable } from '../runtime/db.js';
import type { Hrefs } from './hal.js';
import { findPacticipant } from './store/pacticipants.js';
import { latestPact, pactBySha, pactOfVersion, type PactRow } from './store/pacts.js';
import type { StoredWebhookRequest, TriggerContext } from './store/webhooks.js';
import { branchesOf, findVersion, tagsOf } from './store/versions.js';
import { pactVersionHref } from './views.js';

// ${pactbroker.<name>} templates in a webhook's URL, headers, body, username
// and password, filled with values looked up when the webhook runs (so a
// retry after a verification sees that verification).

export type TemplateValues = Record<string, string>;

interface VerificationRow {
  id: string;
  success: boolean;
  build_url: string | null;
  provider_version: string;
}

async function verificationOf(
  db: Queryable,
  pact: PactRow | undefined,
  id: string | undefined,
): Promise<VerificationRow | undefined> {
  if (id === undefined && !pact) return undefined;
  const { rows } = await db.query<VerificationRow>(
    `SELECT r.id, r.success, r.build_url, v.number AS provider_version
       FROM broker_verifications r JOIN broker_versions v ON v.id = r.provider_version_id
      WHERE ($1::bigint IS NOT NULL AND r.id = $1)
         OR ($1::bigint IS NULL AND r.pact_version_id = $2)
      ORDER BY r.id DESC LIMIT 1`,
    [id ?? null, pact?.pact_version_id ?? null],
  );
  return rows[0];
}

async function versionDetails(db: Queryable, pacticipantId: string | undefined, number: string) {
  const version =
    pacticipantId && number ? await findVersion(db, pacticipantId, number) : undefined;
  if (!version) return { branch: '', tags: '', buildUrl: '' };
  const [branches, tags] = await Promise.all([branchesOf(db, version.id), tagsOf(db, version.id)]);
  return {
    branch: branches.at(-1)?.name ?? '',
    tags: tags.map((tag) => tag.name).join(', '),
    buildUrl: version.build_url ?? '',
  };
}

/**
 * The template values for an event. Without a version or content in the
 * context (a test run), the newest pact between the two stands in.
 */
export async function templateValues(
  db: Queryable,
  hrefs: Hrefs,
  eventName: string,
  context: TriggerContext,
): Promise<TemplateValues> {
  const [consumer, provider] = await Promise.all([
    findPacticipant(db, context.consumer),
    findPacticipant(db, context.provider),
  ]);
  let pact: PactRow | undefined;
  if (consumer && provider) {
    if (context.consumerVersion !== undefined)
      pact = await pactOfVersion(db, provider.id, consumer.id, context.consumerVersion);
    else if (context.sha !== undefined)
      pact = await pactBySha(db, provider.id, consumer.id, context.sha);
    else pact = await latestPact(db, provider.id, consumer.id);
  }
  const verification = await verificationOf(db, pact, context.verificationId);
  const consumerVersion = context.consumerVersion ?? pact?.consumer_version ?? '';
  const providerVersion = context.providerVersion ?? verification?.provider_version ?? '';
  const [consumerDetails, providerDetails] = await Promise.all([
    versionDetails(db, consumer?.id, consumerVersion),
    versionDetails(db, provider?.id, providerVersion),
  ]);
  const pactVersion = pact ? pactVersionHref(hrefs, pact) : '';
  const metadata = Buffer.from(`cvn=${encodeURIComponent(consumerVersion)}`).toString('base64url');
  const status = verification === undefined ? undefined : verification.success;
  const byStatus = (success: string, failure: string, pending: string) =>
    status === undefined ? pending : status ? success : failure;
  const aboutVerification = eventName.startsWith('provider_verification');
  return {
    pactUrl: pact ? `${pactVersion}/metadata/${metadata}` : '',
    consumerName: context.consumer,
    providerName: context.provider,
    consumerVersionNumber: consumerVersion,
    consumerVersionBranch: consumerDetails.branch,
    consumerVersionTags: consumerDetails.tags,
    providerVersionNumber: providerVersion,
    providerVersionBranch: providerDetails.branch,
    providerVersionTags: providerDetails.tags,
    verificationResultUrl: verification
      ? `${pactVersion}/verification-results/${verification.id}`
      : '',
    githubVerificationStatus: byStatus('success', 'failure', 'pending'),
    bitbucketVerificationStatus: byStatus('SUCCESSFUL', 'FAILED', 'INPROGRESS'),
    azureDevOpsVerificationStatus: byStatus('succeeded', 'failed', 'pending'),
    gitlabVerificationStatus: byStatus('success', 'failed', 'pending'),
    consumerLabels: '',
    providerLabels: '',
    eventName,
    buildUrl: aboutVerification ? (verification?.build_url ?? '') : consumerDetails.buildUrl,
  };
}

const PLACEHOLDER = /\$\{pactbroker\.([A-Za-z]+)\}/g;

export function fill(text: string, values: TemplateValues, escape = (v: string) => v): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? escape(values[name]!) : whole,
  );
}

/** Fills templates in every string of a JSON value (keys too), so the result stays valid JSON. */
function fillJson(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return fill(value, values);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, values));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [fill(key, values), fillJson(item, values)]),
    );
  return value;
}

export interface RenderedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** undefined: no body. */
  body: string | undefined;
}

/** The request to send: templates filled (URL values percent-encoded), basic auth as a header. */
export function renderRequest(
  request: StoredWebhookRequest,
  values: TemplateValues,
): RenderedRequest {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, fill(value, values)]),
  );
  if (request.username != null) {
    const credentials = `${fill(request.username, values)}:${fill(request.password ?? '', values)}`;
    for (const name of Object.keys(headers))
      if (name.toLowerCase() === 'authorization') delete headers[name];
    headers.Authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const body =
    request.body === undefined || request.body === null
      ? undefined
      : typeof request.body === 'string'
        ? fill(request.body, values)
        : JSON.stringify(fillJson(request.body, values));
  return {
    method: request.method,
    url: fill(request.url, values, encodeURIComponent),
    headers,
    body,
  };
}
