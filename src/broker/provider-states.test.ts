import { providerStatesOf } from './provider-states.js';

describe('providerStatesOf', () => {
  describe('when pacts of several specifications name states', () => {
    it('reads V2 providerState, V3/V4 providerStates and message pacts alike', () => {
      expect(
        providerStatesOf([
          { consumer: 'web', content: { interactions: [{ providerState: 'v2 state' }] } },
          {
            consumer: 'worker',
            content: { messages: [{ providerStates: [{ name: 'a message', params: { n: 1 } }] }] },
          },
          {
            consumer: 'app',
            content: {
              interactions: [{ providerStates: [{ name: 'v4 state' }, { name: 'other' }] }],
            },
          },
        ]),
      ).toEqual([
        { name: 'a message', params: { n: 1 }, consumers: ['worker'] },
        { name: 'other', consumers: ['app'] },
        { name: 'v2 state', consumers: ['web'] },
        { name: 'v4 state', consumers: ['app'] },
      ]);
    });
  });

  describe('when the same state appears more than once', () => {
    it('lists each name and params once, params in any key order being the same', () => {
      const state = (params?: object) => ({ providerStates: [{ name: 'a user', params }] });
      expect(
        providerStatesOf([
          { consumer: 'web', content: { interactions: [state({ id: 1, role: 'x' }), state()] } },
          { consumer: 'app', content: { interactions: [state({ role: 'x', id: 1 })] } },
          { consumer: 'web', content: { interactions: [state({ id: 1, role: 'x' })] } },
        ]),
      ).toEqual([
        { name: 'a user', consumers: ['web'] },
        { name: 'a user', params: { id: 1, role: 'x' }, consumers: ['app', 'web'] },
      ]);
    });
  });

  describe('when a pact holds something that is not a state', () => {
    it('skips it instead of failing', () => {
      expect(
        providerStatesOf([
          { consumer: 'web', content: undefined },
          { consumer: 'web', content: { interactions: 'none', messages: [null, 3] } },
          {
            consumer: 'web',
            content: {
              interactions: [
                { providerStates: [{ params: { id: 1 } }, 'a string', { name: 7 }] },
                { providerState: { name: 'not v2' } },
                { providerStates: [{ name: 'kept', params: null }] },
              ],
            },
          },
        ]),
      ).toEqual([{ name: 'kept', consumers: ['web'] }]);
    });
  });

  it('orders names and consumers by code point, as Ruby compares strings', () => {
    expect(
      providerStatesOf([
        { consumer: 'web', content: { interactions: [{ providerState: 'apple' }] } },
        { consumer: 'Worker', content: { interactions: [{ providerState: 'Zebra' }] } },
        { consumer: 'app', content: { interactions: [{ providerState: 'apple' }] } },
      ]),
    ).toEqual([
      { name: 'Zebra', consumers: ['Worker'] },
      { name: 'apple', consumers: ['app', 'web'] },
    ]);
  });
});
