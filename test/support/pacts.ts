// Small pacts for broker tests, publishing a verification result the way a
// verifier does (through the pact's pb:publish-verification-results link), and
// reading a broker document the way the Pact Broker's clients do.

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

/** A broker document read as the Pact Broker's clients read it (HAL); any other status fails the test. */
export async function getHal<T>(brokerUrl: string, path: string): Promise<T> {
  const answer = await fetch(`${brokerUrl}${path}`, {
    headers: { accept: 'application/hal+json' },
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as T;
}
