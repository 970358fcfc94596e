import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMessages } from './pact-documents.js';

describe('expectedMessages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-pact-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, document: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(document));
    return file;
  };

  it('reads each message interaction of V4 pacts, plain or base64, and skips HTTP ones', async () => {
    const file = write('v4.json', {
      interactions: [
        { type: 'Synchronous/HTTP', description: 'a request', request: {}, response: {} },
        {
          type: 'Asynchronous/Messages',
          description: 'a pong',
          contents: { content: { type: 'pong', id: 'p1' }, contentType: 'application/json' },
        },
        {
          type: 'Asynchronous/Messages',
          description: 'an encoded pong',
          contents: {
            content: Buffer.from('{"type":"pong","id":"p2"}').toString('base64'),
            contentType: 'application/json',
            encoded: 'base64',
          },
        },
      ],
    });

    expect(await expectedMessages({ files: [file] }, 'backend-events')).toEqual(
      new Map<string, unknown>([
        ['a pong', { type: 'pong', id: 'p1' }],
        ['an encoded pong', { type: 'pong', id: 'p2' }],
      ]),
    );
  });

  it('reads V3 message pacts', async () => {
    const file = write('v3.json', {
      messages: [{ description: 'a greeting', contents: { type: 'connection_established' } }],
    });

    expect(await expectedMessages({ files: [file] }, 'backend-events')).toEqual(
      new Map([['a greeting', { type: 'connection_established' }]]),
    );
  });
});
