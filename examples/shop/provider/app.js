import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { changeState } from './states.js';

// shop-api: the catalogue and orders over HTTP, and each order's progress
// over the WebSocket at /updates.
//
//   GET  /products        {items: [product]}, in catalogue order
//   GET  /products/:id    product, or 404 problem+json
//   POST /orders          (Bearer token) {items: [{product_id, quantity}]} -> 201 order
//   GET  /healthz         {status: "ok"}
//   WS   /updates         (token as subprotocol "bearer.<token>" or Authorization header)
//                         server: {type: "hello"}; client: {type: "watch", order_id};
//                         server: {type: "watching", order}, then the order's events
//                         {type, order_id, seq, at} in order. Only events carry
//                         order_id: it is what mesh.yaml's flow rules group by.

const MAX_BODY_BYTES = 64 * 1024;

const productJson = (product) => ({
  id: product.id,
  name: product.name,
  price_cents: product.price_cents,
  in_stock: product.in_stock,
});

const orderJson = (order) => ({
  id: order.id,
  status: order.status,
  items: order.items,
  total_cents: order.total_cents,
});

export function createShop(store, { providerStates = false } = {}) {
  const server = createServer((req, res) => {
    route(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) problem(res, 500, 'internal', 'Something went wrong.');
    });
  });

  async function route(req, res) {
    const { pathname } = new URL(req.url, 'http://shop');
    const productId = /^\/products\/([^/]+)$/.exec(pathname)?.[1];

    if (req.method === 'GET' && pathname === '/healthz') return json(res, 200, { status: 'ok' });
    if (req.method === 'GET' && pathname === '/products') {
      return json(res, 200, { items: store.products.map(productJson) });
    }
    if (req.method === 'GET' && productId) {
      const product = store.findProduct(decodeURIComponent(productId));
      if (!product) return problem(res, 404, 'product_not_found', 'No product has this id.');
      return json(res, 200, productJson(product));
    }
    if (req.method === 'POST' && pathname === '/orders') {
      const customer = store.customerFor(bearerToken(req));
      if (!customer) return problem(res, 401, 'unauthorized', 'A valid Bearer token is needed.');
      const body = await readJson(req);
      const items = body?.items;
      const valid =
        Array.isArray(items) &&
        items.length > 0 &&
        items.every((i) => typeof i?.product_id === 'string' && Number.isInteger(i?.quantity));
      if (!valid) {
        return problem(res, 400, 'invalid_order', 'items: [{product_id, quantity}] is needed.');
      }
      const order = store.placeOrder(customer, items);
      if (!order) return problem(res, 422, 'unknown_product', 'An item names no product.');
      res.setHeader('Location', `/orders/${order.id}`);
      return json(res, 201, orderJson(order));
    }
    if (providerStates && req.method === 'POST' && pathname === '/_pact/provider-states') {
      const { status, body } = changeState(store, await readJson(req));
      return json(res, status, body);
    }
    return problem(res, 404, 'not_found', `No route for ${req.method} ${pathname}.`);
  }

  // The WebSocket: the token is checked before the upgrade, so a bad one gets HTTP 401.
  const sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has('shop.v1') ? 'shop.v1' : false),
  });
  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url, 'http://shop');
    const customer = store.customerFor(bearerToken(req));
    if (pathname !== '/updates' || !customer) {
      const status = pathname !== '/updates' ? '404 Not Found' : '401 Unauthorized';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => converse(ws, customer));
  });

  function converse(ws, customer) {
    const send = (frame) => ws.send(JSON.stringify(frame));
    const unfollow = [];
    send({ type: 'hello', customer_name: customer.name, server_time: new Date().toISOString() });

    ws.on('message', (data) => {
      let frame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return send({ type: 'error', code: 'bad_frame', message: 'Frames are JSON objects.' });
      }
      if (frame?.type !== 'watch') {
        return send({ type: 'error', code: 'unknown_frame', message: 'Send {type: "watch"}.' });
      }
      const order = store.findOrder(frame.order_id);
      if (!order || order.customer_id !== customer.id) {
        return send({ type: 'error', code: 'order_not_found', message: 'No such order of yours.' });
      }
      send({ type: 'watching', order: order.id });
      unfollow.push(store.follow(order, send));
    });
    ws.on('close', () => unfollow.forEach((stop) => stop()));
  }

  /** Stops accepting, closes every socket (1001 "going away") and every idle connection. */
  function close() {
    for (const ws of sockets.clients) ws.close(1001, 'server stopping');
    // A client that does not answer the close within a second is cut off.
    setTimeout(() => sockets.clients.forEach((ws) => ws.terminate()), 1000).unref();
    return new Promise((resolve) => {
      server.close(resolve);
      server.closeIdleConnections();
    });
  }

  return { server, close };
}

function bearerToken(req) {
  const header = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return header ?? protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY_BYTES) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function json(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(JSON.stringify(body));
}

function problem(res, status, code, detail) {
  const titles = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    422: 'Unprocessable',
  };
  const title = titles[status] ?? 'Internal Server Error';
  json(
    res,
    status,
    { type: 'about:blank', title, status, detail, code },
    'application/problem+json',
  );
}
