import { fillStateGenerators, parsePath } from './state-generators.js';

describe('fillStateGenerators', () => {
  const state = (expression: string) => ({ type: 'ProviderState', expression });

  it("fills each fromProviderState value from the states' values, leaving the contract alone", () => {
    const content = {
      connection: { subprotocols: ['meshpact.v1', 'bearer.example'] },
      frames: [{ type: 'subscribe', thread_id: 't-example', after_seq: 0 }, 'text'],
    };
    const filled = fillStateGenerators(
      content,
      {
        '$.connection.subprotocols[1]': state('bearer.${access_token}'),
        '$.frames[0].thread_id': state('${thread_id}'),
        "$['frames'][0]['after_seq']": state('${seq}'),
        '$.frames[1]': { type: 'RandomInt' },
      },
      { access_token: 'jwt', thread_id: 't-real', seq: 2 },
    );

    expect(filled).toEqual({
      connection: { subprotocols: ['meshpact.v1', 'bearer.jwt'] },
      frames: [{ type: 'subscribe', thread_id: 't-real', after_seq: 2 }, 'text'],
    });
    expect(content.frames[0]).toMatchObject({ thread_id: 't-example' });
  });

  it('names a value no state handed back', () => {
    expect(() =>
      fillStateGenerators({ a: 'x' }, { '$.a': state('${thread_id}') }, { access_token: 't' }),
    ).toThrow(
      'the request needs ${thread_id}, which no provider state of the interaction handed back',
    );
  });
});

describe('parsePath', () => {
  it('reads dotted, indexed and quoted steps', () => {
    expect(parsePath("$.frames[10]['a.b'].c")).toEqual(['frames', 10, 'a.b', 'c']);
  });

  it('refuses what it cannot read', () => {
    expect(() => parsePath('$.a[x]')).toThrow('cannot read the JSON path $.a[x] at 3');
  });
});
