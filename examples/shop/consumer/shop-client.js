import { WebSocket } from 'ws';

// shop-web's client for shop-api: the catalogue and orders over HTTP, and
// each order's progress over the WebSocket at /updates.

/** An answer of shop-api that is not a success, with its problem+json. */
export class ShopError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `shop-api answered ${status}`);
    this.status = status;
    this.code = problem?.code;
  }
}

export class ShopClient {
  /** @param {{baseUrl: string, token?: string}} options */
  constructor({ baseUrl, token }) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async listProducts() {
    const { items } = await this.#request('GET', '/products');
    return items;
  }

  getProduct(id) {
    return this.#request('GET', `/products/${encodeURIComponent(id)}`);
  }

  /** @param {{product_id: string, quantity: number}[]} items */
  placeOrder(items) {
    return this.#request('POST', '/orders', { items });
  }

  async #request(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => undefined);
    if (!res.ok) throw new ShopError(res.status, json);
    return json;
  }
}

// The WebSocket: the token travels as the subprotocol "bearer.<token>"
// (browsers cannot set headers on a socket) next to "shop.v1".

export const updatesPath = '/updates';
export const updatesProtocols = (token) => ['shop.v1', `bearer.${token}`];
export const watchFrame = (orderId) => ({ type: 'watch', order_id: orderId });

/** Opens /updates; feed each message to an OrderTracker. */
export function connectUpdates(baseUrl, token) {
  const url = new URL(updatesPath, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new WebSocket(url, updatesProtocols(token));
}

/**
 * What the page shows, from the frames of /updates: who is connected and
 * where each watched order is. Order events must come in seq order (1, 2,
 * 3…): an event out of order is refused, so a stream in the wrong order
 * can never show an order as packed after it was shipped.
 */
export class OrderTracker {
  customer = undefined;
  /** order id -> "watching" | "placed" | "packed" | "shipped" */
  orders = new Map();
  errors = [];
  #lastSeq = new Map();

  receive(frame) {
    switch (frame.type) {
      case 'hello':
        this.customer = frame.customer_name;
        break;
      case 'watching':
        this.orders.set(frame.order, 'watching');
        break;
      case 'order_placed':
      case 'order_packed':
      case 'order_shipped': {
        const due = (this.#lastSeq.get(frame.order_id) ?? 0) + 1;
        if (frame.seq !== due) {
          throw new Error(
            `order ${frame.order_id}: event seq ${frame.seq} came when ${due} was due`,
          );
        }
        this.#lastSeq.set(frame.order_id, frame.seq);
        this.orders.set(frame.order_id, frame.type.slice('order_'.length));
        break;
      }
      case 'error':
        this.errors.push(frame.code);
        break;
      default:
        // A newer server may send frames this client does not know yet.
        break;
    }
    return this;
  }
}
