// Small pacts for broker tests, and publishing a verification result the way
// a verifier does: through the pact's pb:publish-verification-results link.

/** A V4 pact with one GET interaction per description. */
export const pactFile = (consumer: string, provider: string, descriptions: string[]) => ({
  consumer: { name: consumer },
  provider: { name: provider },
  interactions: descriptions.map((description) => ({
    type: 'Synchronous/HTTP',
    description,
    request: { method: 'GET', path: `/${description.replaceAll(' ', '-')}` },
    response: { status: 200 },
  })),
  metadata: { pactSpecification: { version: '4.0' } },
});

/** Posts a verification result for the pact at `pactUrl`; returns the broker's answer. */
export async function publishResult(
  pactUrl: string,
  result: { success: boolean; providerApplicationVersion: string },
): Promise<Response> {
  const pact = (await (await fetch(pactUrl)).json()) as {
    _links: { 'pb:publish-verification-results': { href: string } };
  };
  return fetch(pact._links['pb:publish-verification-results'].href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(result),
  });
}
