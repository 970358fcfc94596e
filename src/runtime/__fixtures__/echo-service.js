// A service for the service-process tests: GET /ready answers 200, /env what
// it was started with, /db a query on its DATABASE_URL. It stops on SIGTERM.
import { createServer } from 'node:http';
import pg from 'pg';

const json = (res, value) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(value));
};

const server = createServer((req, res) => {
  if (req.url === '/ready') return res.end('ok');
  if (req.url === '/env')
    return json(res, { env: process.env, argv: process.argv.slice(2), pid: process.pid });
  if (req.url === '/db') {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    return client
      .connect()
      .then(() => client.query('select current_database() as name'))
      .then(({ rows }) => json(res, rows[0]))
      .finally(() => client.end());
  }
  res.statusCode = 404;
  res.end();
});
server.listen(Number(process.env.PORT), process.env.HOST, () =>
  console.log(`listening on ${process.env.PORT}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
