import { fetchFailure } from '../runtime/fetch-failure.js';

// A client for the Pact Broker API as meshpact uses it: against meshpact's own
// broker or a real Pact Broker / PactFlow (PACT_BROKER_BASE_URL, PACT_BROKER_TOKEN).
// It follows the HAL index where the Pact clients do.

export class BrokerRequestError extends Error {
  override name = 'BrokerRequestError';
  readonly status: number;

  constructor(method: string, url: string, status: number, body: string) {
    super(`the broker answered ${method} ${url} with ${status}${describe(body)}`);
    this.status = status;
  }
}

/** The message of a problem+json or Pact Broker error body, if it has one. */
function describe(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      detail?: string;
      error?: string | { message?: string };
      errors?: unknown;
    };
    const text =
      parsed.detail ??
      (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ??
      (parsed.errors ? JSON.stringify(parsed.errors) : undefined);
    return text ? `: ${text}` : '';
  } catch {
    return body ? `: ${body.slice(0, 200)}` : '';
  }
}

export interface PactToPublish {
  consumer: string;
  provider: string;
  /** The pact file's JSON. */
  content: unknown;
}

/** A pact as "pacts for verification" selected it. */
export interface SelectedPact {
  /** The pact's JSON, with the broker's links. */
  content: unknown;
  /** Why the broker selected it, e.g. `latest from main branch, deployed to production`. */
  shortDescription: string;
  /** The consumer version it belongs to (the broker's pb:consumer-version link), when named. */
  consumerVersion?: string;
}

export interface CanIDeployAnswer {
  deployable: boolean | null;
  reasons: string[];
  rows: {
    consumer: string;
    consumerVersion: string;
    provider: string;
    providerVersion: string | null;
    success: boolean | null;
  }[];
}

interface MatrixBody {
  summary: { deployable: boolean | null; reason: string };
  matrix: {
    consumer: { name: string; version: { number: string } | null };
    provider: { name: string; version: { number: string } | null };
    verificationResult: { success: boolean } | null;
  }[];
}

export class BrokerClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  readonly #timeoutMs: number;

  /** `timeoutMs` bounds each request, its body included; 30 s by default, for large publications. */
  constructor(options: { baseUrl: string; token?: string | undefined; timeoutMs?: number }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Publishes one consumer version's pacts (grouped per provider), with its branch and tags. */
  async publish(options: {
    pacticipant: string;
    version: string;
    branch?: string;
    tags?: string[];
    buildUrl?: string;
    pacts: PactToPublish[];
  }): Promise<{ notices: { type: string; text: string }[] }> {
    const index = await this.#json<{ _links: Record<string, { href: string } | undefined> }>(
      'GET',
      '/',
    );
    const href = index._links['pb:publish-contracts']?.href;
    if (!href) throw new Error(`${this.baseUrl} does not offer pb:publish-contracts`);
    return this.#json('POST', href, {
      pacticipantName: options.pacticipant,
      pacticipantVersionNumber: options.version,
      ...(options.branch ? { branch: options.branch } : {}),
      ...(options.tags?.length ? { tags: options.tags } : {}),
      ...(options.buildUrl ? { buildUrl: options.buildUrl } : {}),
      contracts: options.pacts.map((pact) => ({
        consumerName: pact.consumer,
        providerName: pact.provider,
        specification: 'pact',
        contentType: 'application/json',
        content: Buffer.from(JSON.stringify(pact.content)).toString('base64'),
        onConflict: 'overwrite',
      })),
    });
  }

  /** Follows the HAL index to "pacts for verification", as the Pact clients do, and fetches each pact. */
  async pactsForVerification(provider: string, request: object): Promise<unknown[]> {
    return (await this.selectedPacts(provider, request)).map((pact) => pact.content);
  }

  /** The pacts the broker selects for a provider's verification, each with why and at which consumer version. */
  async selectedPacts(provider: string, request: object): Promise<SelectedPact[]> {
    const index = await this.#json<{ _links: Record<string, { href: string } | undefined> }>(
      'GET',
      '/',
    );
    const template = index._links['pb:provider-pacts-for-verification']?.href;
    if (!template)
      throw new Error(`${this.baseUrl} does not link pb:provider-pacts-for-verification`);
    type Found = {
      _embedded?: {
        pacts?: { shortDescription?: string; _links?: { self?: { href?: string } } }[];
      };
    };
    const found = await this.#json<Found>(
      'POST',
      template.replace('{provider}', encodeURIComponent(provider)),
      request,
    ).catch((error: unknown): Found => {
      // A provider the broker has never heard of has no pacts yet; any other 404 is an error.
      if (error instanceof BrokerRequestError && error.status === 404) return {};
      throw error;
    });
    const selected = (found._embedded?.pacts ?? []).flatMap((pact) => {
      const href = pact._links?.self?.href;
      return href ? [{ href, shortDescription: pact.shortDescription ?? '' }] : [];
    });
    return Promise.all(
      selected.map(async ({ href, shortDescription }) => {
        const content = await this.#json<unknown>('GET', href);
        const links = (content as { _links?: Record<string, { name?: unknown } | null> } | null)
          ?._links;
        const version = links?.['pb:consumer-version']?.name;
        return {
          content,
          shortDescription,
          ...(typeof version === 'string' ? { consumerVersion: version } : {}),
        };
      }),
    );
  }

  /**
   * Whether a version may be deployed: to an environment, alongside the
   * versions with a tag, or (neither) with the latest versions of the others.
   */
  async canIDeploy(options: {
    pacticipant: string;
    version: string;
    environment?: string;
    tag?: string;
  }): Promise<CanIDeployAnswer> {
    const query = new URLSearchParams();
    query.append('q[][pacticipant]', options.pacticipant);
    query.append('q[][version]', options.version);
    query.append('latestby', 'cvp');
    if (options.environment) query.append('environment', options.environment);
    else if (options.tag) query.append('tag', options.tag);
    else query.append('latest', 'true');
    const body = await this.#json<MatrixBody>('GET', `/matrix?${query.toString()}`);
    return {
      deployable: body.summary.deployable,
      reasons: body.summary.reason.split('\n').filter(Boolean),
      rows: body.matrix.map((row) => ({
        consumer: row.consumer.name,
        consumerVersion: row.consumer.version?.number ?? '',
        provider: row.provider.name,
        providerVersion: row.provider.version?.number ?? null,
        success: row.verificationResult?.success ?? null,
      })),
    };
  }

  /** Records that a version is deployed to an environment (through the version's pb:record-deployment links). */
  async recordDeployment(options: {
    pacticipant: string;
    version: string;
    environment: string;
    applicationInstance?: string;
  }): Promise<void> {
    const version = await this.#json<{
      _links: { 'pb:record-deployment'?: { name: string; href: string }[] };
    }>(
      'GET',
      `/pacticipants/${encodeURIComponent(options.pacticipant)}/versions/${encodeURIComponent(options.version)}`,
    ).catch((error: unknown) => {
      if (error instanceof BrokerRequestError && error.status === 404)
        throw new Error(
          `the broker has no version ${options.version} of ${options.pacticipant}; publish it first`,
        );
      throw error;
    });
    const link = version._links['pb:record-deployment']?.find(
      (l) => l.name === options.environment,
    );
    if (!link) throw new Error(`the broker has no environment named ${options.environment}`);
    await this.#json(
      'POST',
      link.href,
      options.applicationInstance ? { applicationInstance: options.applicationInstance } : {},
    );
  }

  async #json<T>(method: string, pathOrUrl: string, body?: unknown): Promise<T> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/hal+json, application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    }).catch((error: unknown) => {
      throw new Error(`cannot reach the broker at ${this.baseUrl}: ${fetchFailure(error)}`, {
        cause: error,
      });
    });
    const text = await response.text();
    if (!response.ok) throw new BrokerRequestError(method, url, response.status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }
}
