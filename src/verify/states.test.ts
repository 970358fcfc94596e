import { createServer } from 'node:http';
import { listen, type Listening } from '../runtime/listen.js';
import { need, statesAt } from './states.js';

// The verifier's side of the state-change protocol, against a real HTTP server.

describe('statesAt', () => {
  let server: Listening;
  let answer: (body: string) => { status: number; text: string } | undefined;
  beforeAll(async () => {
    server = await listen(
      createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const reply = answer(body);
          // undefined: never answer, as a hung state would.
          if (!reply) return;
          res.statusCode = reply.status;
          res.setHeader('content-type', 'application/json');
          res.end(reply.text);
        });
      }),
      { graceMs: 0 },
    );
  });
  afterAll(() => server.close());

  it('keeps the values of the interaction for its message producer, and forgets them on teardown', async () => {
    answer = (body) => ({
      status: 200,
      text: JSON.stringify({ echoed: (JSON.parse(body) as { state: string }).state }),
    });
    const states = statesAt('catalog', server.url);
    expect(await states.setup('an item exists', {})).toEqual({ echoed: 'an item exists' });
    expect(need(states.values, 'echoed', 'a message')).toBe('an item exists');
    await states.teardown('an item exists', {});
    expect(states.values).toEqual({});
    expect(() => need(states.values, 'echoed', 'a message')).toThrow(
      '"a message" needs echoed, which no provider state of the interaction handed back',
    );
    expect(states.problems).toEqual([]);
  });

  it('records a state URL that does not answer in time, naming the state', async () => {
    answer = () => undefined;
    const states = statesAt('catalog', server.url, { timeoutMs: 50 });
    expect(await states.setup('an item exists', {})).toBeUndefined();
    expect(states.problems).toEqual([
      `provider state "an item exists" failed: POST ${server.url}: no answer within 50 ms`,
    ]);
  });

  it('records an answer that is not a JSON object, and a failed teardown', async () => {
    answer = () => ({ status: 200, text: '[1]' });
    const states = statesAt('catalog', server.url);
    await states.setup('an item exists', {});
    answer = () => ({ status: 500, text: '{"code":"internal_error","detail":"Internal error"}' });
    await states.teardown('an item exists', {});
    expect(states.problems).toEqual([
      `provider state "an item exists" failed: POST ${server.url} answered 200 with no JSON object: [1]`,
      'tearing down provider state "an item exists" failed: Internal error',
    ]);
  });

  it('makes every named state a problem for a provider that serves none', async () => {
    const states = statesAt('catalog', undefined);
    expect(await states.setup('', {})).toBeUndefined();
    await states.setup('an item exists', {});
    await states.teardown('an item exists', {});
    expect(states.problems).toEqual([
      'provider state "an item exists" failed: catalog serves no provider states (no states: { url } in the manifest)',
    ]);
  });
});
