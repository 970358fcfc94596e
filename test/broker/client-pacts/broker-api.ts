/**
 * The broker's public HTTP API, as a client of it would call it: provider
 * states are built with these calls only, never by writing to the database.
 */
export class PublicBrokerApi {
  constructor(private readonly baseUrl: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        accept: 'application/hal+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(
        `${method} ${path} answered ${response.status} while building a state: ${text}`,
      );
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  createPacticipant(name: string, fields: Record<string, unknown> = {}) {
    return this.call('POST', '/pacticipants', { name, ...fields });
  }

  createVersion(pacticipant: string, version: string, options: { branch?: string } = {}) {
    return options.branch
      ? this.call(
          'PUT',
          `/pacticipants/${enc(pacticipant)}/branches/${enc(options.branch)}/versions/${enc(version)}`,
          {},
        )
      : this.call('PUT', `/pacticipants/${enc(pacticipant)}/versions/${enc(version)}`, {});
  }

  tagVersion(pacticipant: string, version: string, tag: string) {
    return this.call(
      'PUT',
      `/pacticipants/${enc(pacticipant)}/versions/${enc(version)}/tags/${enc(tag)}`,
      {},
    );
  }

  /** Publishes a pact with the legacy PUT; `variant` makes its content differ from another version's. */
  publishPact(consumer: string, version: string, provider: string, variant = '') {
    return this.call(
      'PUT',
      `/pacts/provider/${enc(provider)}/consumer/${enc(consumer)}/version/${enc(version)}`,
      pactBetween(consumer, provider, variant),
    );
  }

  /** Publishes a verification result for the pact that `consumer` version `version` has with `provider`. */
  async verify(
    consumer: string,
    version: string,
    provider: string,
    providerVersion: string,
    success = true,
  ) {
    const pact = await this.call<{ _links: Record<string, { href: string }> }>(
      'GET',
      `/pacts/provider/${enc(provider)}/consumer/${enc(consumer)}/version/${enc(version)}`,
    );
    const link = pact.body._links['pb:publish-verification-results'];
    if (!link) throw new Error('the pact has no pb:publish-verification-results link');
    return this.call('POST', new URL(link.href).pathname, {
      success,
      providerApplicationVersion: providerVersion,
    });
  }

  /** Creates an environment and returns the uuid the broker gave it. */
  async createEnvironment(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await this.call<{ uuid: string }>('POST', '/environments', {
      name,
      production: false,
      ...extra,
    });
    return created.body.uuid;
  }

  /** Records a deployment and returns the deployed version's uuid. */
  async recordDeployment(
    pacticipant: string,
    version: string,
    environmentUuid: string,
    applicationInstance?: string,
  ): Promise<string> {
    const recorded = await this.call<{ uuid: string }>(
      'POST',
      `/pacticipants/${enc(pacticipant)}/versions/${enc(version)}/deployed-versions/environment/${enc(environmentUuid)}`,
      applicationInstance === undefined ? {} : { applicationInstance },
    );
    return recorded.body.uuid;
  }

  putWebhook(uuid: string, body: unknown) {
    return this.call('PUT', `/webhooks/${enc(uuid)}`, body);
  }
}

const enc = encodeURIComponent;

/**
 * A pact with no interactions, as the Pact Broker's test data builder makes
 * them (the clients' pacts expect `interactions: []`); a variant gets one
 * interaction so that its content, and so its pact version, differs.
 */
function pactBetween(consumer: string, provider: string, variant: string) {
  return {
    consumer: { name: consumer },
    provider: { name: provider },
    interactions:
      variant === ''
        ? []
        : [
            {
              description: `a request for ${variant}`,
              request: { method: 'GET', path: '/something' },
              response: { status: 200 },
            },
          ],
    metadata: { pactSpecification: { version: '2.0.0' } },
  };
}
