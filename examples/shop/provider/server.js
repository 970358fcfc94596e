import { createShop } from './app.js';
import { createStore } from './store.js';

// Starts shop-api on PORT (0: any free port) and HOST, prints its URL, and
// stops cleanly on SIGTERM or SIGINT. SHOP_PROVIDER_STATES=on adds the
// state-change endpoint a contract verification needs; never in production.

const providerStates = process.env.SHOP_PROVIDER_STATES === 'on';
if (providerStates && process.env.NODE_ENV === 'production') {
  console.error('SHOP_PROVIDER_STATES=on is refused when NODE_ENV=production');
  process.exit(2);
}

const store = createStore();
const catalogue = [
  { name: 'Teapot', price_cents: 2400 },
  { name: 'Mug', price_cents: 900 },
  { name: 'Tea towel', price_cents: 650 },
];
catalogue.forEach(store.addProduct);

const shop = createShop(store, { providerStates });
const host = process.env.HOST ?? '127.0.0.1';
shop.server.listen(Number(process.env.PORT ?? 0), host, () => {
  const { port } = shop.server.address();
  console.log(`shop-api listening on http://${host}:${port}`);
  if (providerStates) console.log('provider states at POST /_pact/provider-states');
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    store.close();
    await shop.close();
    process.exit(0);
  });
}
