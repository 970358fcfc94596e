import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

// Everything the shop knows, in memory: products, customers' tokens, orders
// and each order's events. A real service would keep these in a database.

/** The events an order goes through, in this order, with seq 1, 2, 3. */
export const ORDER_FLOW = ['order_placed', 'order_packed', 'order_shipped'];

export function createStore({ fulfilmentStepMs = 20 } = {}) {
  const products = [];
  const tokens = new Map(); // token -> customer
  const orders = new Map(); // id -> order
  const events = new EventEmitter(); // 'order:<id>' -> each new order event
  const timers = new Set();

  function addProduct({ name, price_cents, in_stock = true }) {
    const product = { id: randomUUID(), name, price_cents, in_stock };
    products.push(product);
    return product;
  }

  function logIn(name) {
    const token = randomBytes(18).toString('base64url');
    tokens.set(token, { id: randomUUID(), name });
    return token;
  }

  function record(order, type) {
    const event = {
      type,
      order_id: order.id,
      seq: order.events.length + 1,
      at: new Date().toISOString(),
    };
    order.events.push(event);
    order.status = type.replace('order_', '');
    events.emit(`order:${order.id}`, event);
  }

  /** Places an order; the warehouse then packs and ships it, one step every fulfilmentStepMs. */
  function placeOrder(customer, items) {
    const lines = items.map(({ product_id, quantity }) => {
      const product = products.find((p) => p.id === product_id);
      return product && { product_id, quantity, price_cents: product.price_cents };
    });
    if (lines.some((line) => !line)) return undefined;
    const order = {
      id: randomUUID(),
      customer_id: customer.id,
      items: lines,
      total_cents: lines.reduce((sum, line) => sum + line.quantity * line.price_cents, 0),
      status: 'new',
      events: [],
    };
    orders.set(order.id, order);
    const [placed, ...later] = ORDER_FLOW;
    record(order, placed);
    later.forEach((type, step) => {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          record(order, type);
        },
        (step + 1) * fulfilmentStepMs,
      );
      timers.add(timer);
    });
    return order;
  }

  return {
    products,
    addProduct,
    findProduct: (id) => products.find((p) => p.id === id),
    replaceCatalogue(list) {
      products.length = 0;
      list.forEach(addProduct);
    },
    logIn,
    customerFor: (token) => tokens.get(token),
    placeOrder,
    findOrder: (id) => orders.get(id),
    /** Calls listener with each event of the order: the ones so far, then new ones as they come. */
    follow(order, listener) {
      order.events.forEach((event) => listener(event));
      events.on(`order:${order.id}`, listener);
      return () => events.off(`order:${order.id}`, listener);
    },
    close() {
      timers.forEach(clearTimeout);
      timers.clear();
    },
  };
}
