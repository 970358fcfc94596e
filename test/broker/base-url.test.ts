import { buildCli, scratchTmpdir, startMeshpact } from '../support/meshpact-process.js';

// `meshpact broker` writes its links under the base URL the Pact Broker's
// docker image is given, PACT_BROKER_BASE_URL, unless --public-url says otherwise.

async function pacticipantsHref(args: string[], env: Record<string, string>, host?: string) {
  const scratch = scratchTmpdir();
  const broker = startMeshpact(['broker', '--port', '0', ...args], {
    TMPDIR: scratch.path,
    LOG_LEVEL: 'warn',
    // Not those of the shell running the tests.
    PACT_BROKER_BASE_URL: '',
    PACT_BROKER_BASE_URLS: '',
    BROKER_PUBLIC_URL: '',
    ...env,
  });
  try {
    const [, url] = await broker.line(/^broker: (http:\/\/127\.0\.0\.1:\d+)$/);
    await broker.line(/^ready/);
    const links = /^links: (.*)$/m.exec(broker.stdout())?.[1];
    const index = await fetch(`${url}/`, {
      headers: host ? { 'x-forwarded-proto': 'https', 'x-forwarded-host': host } : {},
    });
    const body = (await index.json()) as { _links: Record<string, { href: string }> };
    return { href: body._links['pb:pacticipants']?.href, links };
  } finally {
    broker.child.kill('SIGINT');
    await broker.exited();
    scratch.remove();
  }
}

describe('meshpact broker and its base URL', () => {
  beforeAll(buildCli, 120_000);

  it('writes links under PACT_BROKER_BASE_URL', async () => {
    expect(
      await pacticipantsHref([], { PACT_BROKER_BASE_URL: 'https://pact.example.com/' }),
    ).toEqual({ href: 'https://pact.example.com/pacticipants', links: 'https://pact.example.com' });
  }, 60_000);

  it('chooses among several by the address a proxy says the request came in by', async () => {
    const env = { PACT_BROKER_BASE_URL: 'https://pact.example.com https://pact.internal' };
    expect(await pacticipantsHref([], env, 'pact.internal')).toEqual({
      href: 'https://pact.internal/pacticipants',
      links: 'https://pact.example.com https://pact.internal',
    });
  }, 60_000);

  it('lets --public-url win over every variable', async () => {
    const env = {
      PACT_BROKER_BASE_URL: 'https://pact.example.com',
      PACT_BROKER_BASE_URLS: 'https://other.example.com',
      BROKER_PUBLIC_URL: 'https://older.example.com',
    };
    expect(await pacticipantsHref(['--public-url', 'http://localhost:9292'], env)).toEqual({
      href: 'http://localhost:9292/pacticipants',
      links: 'http://localhost:9292',
    });
  }, 60_000);

  it('names no base URL when none is given: links follow the request', async () => {
    const { href, links } = await pacticipantsHref([], {});
    expect(links).toBeUndefined();
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pacticipants$/);
  }, 60_000);
});
