import { join } from 'node:path';
import { main } from './main.js';
import { captureIo } from './test-io.js';

const fixture = join(import.meta.dirname, '../contracts/__fixtures__/web-app-auth-service.json');

const capture = () => captureIo();

describe('meshpact contracts check', () => {
  it('reports every example that breaks its schema, naming the interaction, part, schema and field', async () => {
    const { io, out } = capture();
    await expect(main(['node', 'meshpact', 'contracts', 'check', fixture], io)).resolves.toBe(1);
    expect(out).toEqual([
      'web-app -> auth-service: 3 interactions, 2 example(s) break their schema',
      '  "a login" response body (auth/token-response): /user/email must match format "email"',
      '  "a login with an extra field" request body (auth/login-request): /role is not allowed',
    ]);
  });

  it('checks each frame of a WebSocket conversation, client frames written as text excepted', async () => {
    const { io, out } = capture();
    const events = join(
      import.meta.dirname,
      '../contracts/__fixtures__/web-app-backend-events.json',
    );
    await expect(main(['node', 'meshpact', 'contracts', 'check', events], io)).resolves.toBe(1);
    expect(out).toEqual([
      'web-app -> backend-events: 3 interactions, 2 example(s) break their schema',
      '  "a ping" sent frames[0] (events/client-frame): /id is required',
      '  "a ping" frames[1] (events/server-frame): /id is required',
    ]);
  });

  it('prints machine-readable reports with --json', async () => {
    const { io, out } = capture();
    await main(['node', 'meshpact', 'contracts', 'check', fixture, '--json'], io);
    const [report] = JSON.parse(out.join('\n')) as {
      interactions: number;
      problems: { schema: string }[];
    }[];
    expect(report?.interactions).toBe(3);
    expect(report?.problems.map((p) => p.schema)).toEqual([
      'auth/token-response',
      'auth/login-request',
    ]);
  });

  it('exits 2 for a path that does not exist', async () => {
    const { io, err } = capture();
    await expect(
      main(['node', 'meshpact', 'contracts', 'check', '/no/such/pacts'], io),
    ).resolves.toBe(2);
    expect(err).toEqual(['meshpact: no pact file or directory at /no/such/pacts']);
  });
});
