import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedConversations } from './pact-documents.js';

describe('expectedConversations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-pact-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, document: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(document));
    return file;
  };

  it('reads each synchronous message interaction, plain or base64, and skips the others', async () => {
    const generators = {
      '$.frames[0].thread_id': { type: 'ProviderState', expression: '${thread_id}' },
    };
    const file = write('v4.json', {
      interactions: [
        { type: 'Synchronous/HTTP', description: 'a request', request: {}, response: {} },
        { type: 'Asynchronous/Messages', description: 'a pong', contents: { content: {} } },
        {
          type: 'Synchronous/Messages',
          description: 'a subscription',
          request: {
            contents: {
              content: { frames: [{ type: 'subscribe', thread_id: 't1' }] },
              contentType: 'application/json',
            },
            generators: { body: generators },
          },
          response: [
            {
              contents: {
                content: Buffer.from('{"frames":[{"type":"subscribed"}]}').toString('base64'),
                contentType: 'application/json',
                encoded: 'base64',
              },
            },
          ],
        },
      ],
    });

    expect(await expectedConversations({ files: [file] }, 'backend-events')).toEqual(
      new Map([
        [
          'a subscription',
          [
            {
              request: { frames: [{ type: 'subscribe', thread_id: 't1' }] },
              generators,
              response: { frames: [{ type: 'subscribed' }] },
            },
          ],
        ],
      ]),
    );
  });
});
