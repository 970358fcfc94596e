import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { pactDir } from './pact-dir.js';
import { OrderTracker, updatesPath, updatesProtocols, watchFrame } from './shop-client.js';

// shop-web -> shop-updates: conversations on shop-api's WebSocket /updates,
// one Pact V4 synchronous message each. The request is how the client
// connects and the frames it sends:
//   {connection: {path, subprotocols | headers}, frames: [client frames]}
// and the one response is every frame it receives, from the greeting on, in order:
//   {frames: [server frames]}
// A Pact array without eachLike matches by position and length, so the order
// of the frames is part of the contract. Each test hands the frames to the
// client's own OrderTracker, which is what relies on that order.

const { fromProviderState, regex, string, uuid } = MatchersV3;

const pact = new PactV4({
  consumer: 'shop-web',
  provider: 'shop-updates',
  dir: pactDir,
  logLevel: 'warn',
});

const exampleToken = 'tok_4f0e8a513c6d2b1e';
const exampleOrder = '5d0c7e52-8f3b-4a6e-9c21-7b4e1f2a9d30';
const iso8601 = regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, '2026-12-06T10:00:00.000Z');
const hello = { type: 'hello', customer_name: 'Ada', server_time: iso8601 };
const orderEvent = (type, seq) => ({ type, order_id: uuid(exampleOrder), seq, at: iso8601 });

// Pact hands the contents over as bytes.
const json = (content) => JSON.parse(content.toString());
/** The request and response frames of a conversation, as the consumer test sees them. */
const framesOf = (message) => ({
  request: json(message.Request.content),
  received: json(message.Response[0].content).frames,
});

/** How the browser client connects: its token, from the provider state, as a subprotocol. */
const withTokenAsSubprotocol = {
  path: '/updates',
  subprotocols: ['shop.v1', fromProviderState('bearer.${token}', `bearer.${exampleToken}`)],
};

describe('shop-web -> shop-updates', () => {
  it('is greeted when it connects with its token as a subprotocol', async () => {
    await pact
      .addSynchronousInteraction('a greeting on connecting')
      .given('a customer is logged in', { name: 'Ada' })
      .withRequest((req) =>
        req.withJSONContent({
          connection: withTokenAsSubprotocol,
          frames: [],
        }),
      )
      .withResponse((res) => res.withJSONContent({ frames: [hello] }))
      .executeTest(async (message) => {
        const { request, received } = framesOf(message);
        assert.equal(request.connection.path, updatesPath);
        assert.deepEqual(request.connection.subprotocols, updatesProtocols(exampleToken));
        const tracker = new OrderTracker();
        received.forEach((frame) => tracker.receive(frame));
        assert.equal(tracker.customer, 'Ada');
      });
  });

  it('watches an order and receives its events in order', async () => {
    await pact
      .addSynchronousInteraction('watching an order from placed to shipped')
      .given('a customer has placed an order', { name: 'Ada' })
      .withRequest((req) =>
        req.withJSONContent({
          connection: {
            path: '/updates',
            headers: {
              authorization: fromProviderState('Bearer ${token}', `Bearer ${exampleToken}`),
            },
          },
          frames: [{ type: 'watch', order_id: fromProviderState('${order_id}', exampleOrder) }],
        }),
      )
      .withResponse((res) =>
        res.withJSONContent({
          frames: [
            hello,
            { type: 'watching', order: uuid(exampleOrder) },
            orderEvent('order_placed', 1),
            orderEvent('order_packed', 2),
            orderEvent('order_shipped', 3),
          ],
        }),
      )
      .executeTest(async (message) => {
        const { request, received } = framesOf(message);
        assert.deepEqual(request.frames, [watchFrame(exampleOrder)]);
        const tracker = new OrderTracker();
        received.forEach((frame) => tracker.receive(frame));
        assert.equal(tracker.orders.get(exampleOrder), 'shipped');
        // The tracker relies on that order: the same frames shuffled are refused.
        const [placed, packed, shipped] = received.slice(2);
        const shuffled = new OrderTracker();
        assert.throws(() => [placed, shipped, packed].forEach((f) => shuffled.receive(f)), /seq 3/);
      });
  });

  it('is told when the order to watch is not its own', async () => {
    await pact
      .addSynchronousInteraction('watching an order that is not the customer’s')
      .given('a customer is logged in', { name: 'Ada' })
      .withRequest((req) =>
        req.withJSONContent({
          connection: withTokenAsSubprotocol,
          frames: [watchFrame('00000000-0000-4000-8000-000000000000')],
        }),
      )
      .withResponse((res) =>
        res.withJSONContent({
          frames: [
            hello,
            { type: 'error', code: 'order_not_found', message: string('No such order.') },
          ],
        }),
      )
      .executeTest(async (message) => {
        const tracker = new OrderTracker();
        framesOf(message).received.forEach((frame) => tracker.receive(frame));
        assert.deepEqual(tracker.errors, ['order_not_found']);
      });
  });
});
