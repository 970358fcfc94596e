import { buildCli, scratchTmpdir, startMeshpact } from '../support/meshpact-process.js';

// `meshpact broker` writes its links under the base URL the Pact Broker's
// docker image is given, PACT_BROKER_BASE_URL, unless --public-url says otherwise.

async function pacticipantsHref(args: string[], env: Record<string, string>, host?: string) {
  const scratch = scratchTmpdir();
  const broker = startMeshpact(['broker', '--port', '0', ...args], {
    TMPDIR: scratch.path,
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    const [, url] = await broker.line(/^broker: (http:\/\/127\.0\.0\.1:\d+)$/);
    await broker.line(/^ready/);
    const index = await fetch(`${url}/`, {
      headers: host ? { 'x-forwarded-proto': 'https', 'x-forwarded-host': host } : {},
    });
    const body = (await index.json()) as { _links: Record<string, { href: string }> };
    return body._links['pb:pacticipants']?.href;
  } finally {
    broker.child.kill('SIGINT');
    await broker.exited();
    scratch.remove();
  }
}

describe('meshpact broker and its base URL', () => {
  beforeAll(buildCli, 120_000);

  it('writes links under PACT_BROKER_BASE_URL', async () => {
    expect(await pacticipantsHref([], { PACT_BROKER_BASE_URL: 'https://pact.example.com/' })).toBe(
      'https://pact.example.com/pacticipants',
    );
  }, 60_000);

  it('chooses among several by the address a proxy says the request came in by', async () => {
    const env = { PACT_BROKER_BASE_URL: 'https://pact.example.com https://pact.internal' };
    expect(await pacticipantsHref([], env, 'pact.internal')).toBe(
      'https://pact.internal/pacticipants',
    );
  }, 60_000);

  it('lets --public-url win over every variable', async () => {
    const env = {
      PACT_BROKER_BASE_URL: 'https://pact.example.com',
      PACT_BROKER_BASE_URLS: 'https://other.example.com',
      BROKER_PUBLIC_URL: 'https://older.example.com',
    };
    expect(await pacticipantsHref(['--public-url', 'http://localhost:9292'], env)).toBe(
      'http://localhost:9292/pacticipants',
    );
  }, 60_000);
});
