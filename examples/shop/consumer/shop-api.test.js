import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { pactDir } from './pact-dir.js';
import { ShopClient, ShopError } from './shop-client.js';

// shop-web -> shop-api over HTTP: each test records one interaction and runs
// the real client against Pact's mock server. Values a provider state hands
// back ({product_id}, {token}) are written with fromProviderState, so the
// verifier puts the real ones in the request.

const { boolean, fromProviderState, integer, regex, string, uuid } = MatchersV3;

const pact = new PactV4({
  consumer: 'shop-web',
  provider: 'shop-api',
  dir: pactDir,
  logLevel: 'warn',
});

const exampleId = '9b2f4c1e-2d7a-4f0e-8a51-3c6d2b1e0f47';
const exampleToken = 'tok_4f0e8a513c6d2b1e';
const product = (name, priceCents) => ({
  id: uuid(exampleId),
  name,
  price_cents: integer(priceCents),
  in_stock: boolean(true),
});
const problemJson = {
  'Content-Type': regex(/^application\/problem\+json/, 'application/problem+json'),
};
const problem = (status, code, title) => ({ status, code, title: string(title), detail: string() });

describe('shop-web -> shop-api', () => {
  it('lists the catalogue in its order', async () => {
    const catalogue = [
      { name: 'Teapot', price_cents: 2400 },
      { name: 'Mug', price_cents: 900 },
    ];
    await pact
      .addInteraction()
      .given('the catalogue has products', { products: catalogue })
      .uponReceiving('a request for the product list')
      .withRequest('GET', '/products')
      // No eachLike: the items match by position, so the order is part of the contract.
      .willRespondWith(200, (res) =>
        res.jsonBody({ items: [product('Teapot', 2400), product('Mug', 900)] }),
      )
      .executeTest(async (mock) => {
        const items = await new ShopClient({ baseUrl: mock.url }).listProducts();
        assert.deepEqual(
          items.map((p) => p.name),
          ['Teapot', 'Mug'],
        );
      });
  });

  it('reads one product', async () => {
    await pact
      .addInteraction()
      .given('a product exists', { name: 'Teapot', price_cents: 2400 })
      .uponReceiving('a request for a product by id')
      .withRequest('GET', fromProviderState('/products/${product_id}', `/products/${exampleId}`))
      .willRespondWith(200, (res) => res.jsonBody(product('Teapot', 2400)))
      .executeTest(async (mock) => {
        const teapot = await new ShopClient({ baseUrl: mock.url }).getProduct(exampleId);
        assert.equal(teapot.price_cents, 2400);
      });
  });

  it('is told a product does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await pact
      .addInteraction()
      .uponReceiving('a request for a product that does not exist')
      .withRequest('GET', `/products/${missing}`)
      .willRespondWith(404, (res) =>
        res.headers(problemJson).jsonBody(problem(404, 'product_not_found', 'Not Found')),
      )
      .executeTest(async (mock) => {
        await assert.rejects(new ShopClient({ baseUrl: mock.url }).getProduct(missing), {
          status: 404,
          code: 'product_not_found',
        });
      });
  });

  it('places an order', async () => {
    await pact
      .addInteraction()
      .given('a customer is logged in', { name: 'Ada' })
      .given('a product exists', { name: 'Teapot', price_cents: 2400 })
      .uponReceiving('an order for two of a product')
      .withRequest('POST', '/orders', (req) =>
        req
          .headers({
            Authorization: fromProviderState('Bearer ${token}', `Bearer ${exampleToken}`),
          })
          .jsonBody({
            items: [{ product_id: fromProviderState('${product_id}', exampleId), quantity: 2 }],
          }),
      )
      .willRespondWith(201, (res) =>
        res
          .headers({ Location: regex(/^\/orders\/[0-9a-f-]{36}$/, `/orders/${exampleId}`) })
          .jsonBody({
            id: uuid(exampleId),
            status: 'placed',
            items: [{ product_id: uuid(exampleId), quantity: 2, price_cents: integer(2400) }],
            total_cents: integer(4800),
          }),
      )
      .executeTest(async (mock) => {
        const shop = new ShopClient({ baseUrl: mock.url, token: exampleToken });
        const order = await shop.placeOrder([{ product_id: exampleId, quantity: 2 }]);
        assert.equal(order.status, 'placed');
      });
  });

  it('is refused an order without a token', async () => {
    await pact
      .addInteraction()
      .uponReceiving('an order without a token')
      .withRequest('POST', '/orders', (req) =>
        req.jsonBody({ items: [{ product_id: exampleId, quantity: 1 }] }),
      )
      .willRespondWith(401, (res) =>
        res.headers(problemJson).jsonBody(problem(401, 'unauthorized', 'Unauthorized')),
      )
      .executeTest(async (mock) => {
        const shop = new ShopClient({ baseUrl: mock.url });
        const refused = shop.placeOrder([{ product_id: exampleId, quantity: 1 }]);
        await assert.rejects(
          refused,
          (error) => error instanceof ShopError && error.status === 401,
        );
      });
  });
});
