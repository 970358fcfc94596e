import { instancesAt, valuesAt, type ApiIndex } from './api-matching.js';
import type { ExchangeSite } from './exchanges.js';
import { interactionsOf } from './pact-reading.js';

describe('valuesAt', () => {
  it('finds values through arrays, maps and escaped member names', () => {
    const doc = { items: [{ 'a/b': 1 }, { c: 2 }], map: { x: { y: 1 } } };
    expect(valuesAt(doc, '/items/[]/a~1b')).toEqual([1]);
    expect(valuesAt(doc, '/map/*/y')).toEqual([1]);
    expect(valuesAt(doc, '/nope')).toEqual([]);
    expect(valuesAt(doc, '/')).toEqual([doc]);
  });
});

describe('instancesAt', () => {
  const pong: ExchangeSite = { kind: 'message', name: 'pong' };
  const frames: ApiIndex = {
    sites: [pong],
    shapes: [{ name: 'pong', sentByClient: false, constants: { type: 'pong' } }],
    basePaths: [''],
  };
  const receiving = (frame: unknown) => {
    const [interaction] = interactionsOf({
      interactions: [
        { type: 'Asynchronous/Messages', description: 'f', contents: { content: frame } },
      ],
    });
    return interaction!;
  };

  it('tells frames apart by their constant members, as deep as a constant is', () => {
    expect(instancesAt(pong, receiving({ type: 'pong' }), frames)).toEqual([{ type: 'pong' }]);
    expect(instancesAt(pong, receiving({ type: 'ping' }), frames)).toEqual([]);
    let deep: unknown = 'pong';
    for (let i = 0; i < 200_000; i++) deep = { type: deep };
    expect(instancesAt(pong, receiving(deep), frames)).toEqual([]);
  });

  it('reads the parameters of a path under the base path of the servers', () => {
    const site = (place: 'path' | 'query'): ExchangeSite => ({
      kind: 'parameters',
      method: 'GET',
      path: '/runs/{run_id}/events',
      in: place,
    });
    const api: ApiIndex = { sites: [site('path'), site('query')], shapes: [], basePaths: ['/v1'] };
    const [interaction] = interactionsOf({
      interactions: [
        {
          type: 'Synchronous/HTTP',
          description: 'events',
          request: { method: 'GET', path: '/v1/runs/r1/events', query: { after_seq: ['2'] } },
          response: { status: 200 },
        },
      ],
    });
    expect(instancesAt(site('path'), interaction!, api)).toEqual([{ run_id: 'r1' }]);
    expect(instancesAt(site('query'), interaction!, api)).toEqual([{ after_seq: '2' }]);
    expect(instancesAt(site('query'), interaction!, { ...api, basePaths: [''] })).toEqual([]);
  });
});
