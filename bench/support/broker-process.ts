import { loadBrokerConfig } from '../../src/broker/config.js';
import { start } from '../../src/broker/server.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { untilSignal } from '../../src/runtime/signals.js';

// The broker in a process of its own, as the pact-broker CLI and the Verifier
// meet it, so a benchmark's clients never share its event loop:
//
//   DATABASE_URL=postgres://… node --import tsx bench/support/broker-process.ts
//
// It migrates, listens on a free port, prints its URL as one line, and stops on
// SIGINT or SIGTERM, or when its standard input closes (its parent is gone).

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('broker-process: set DATABASE_URL');
  process.exit(2);
}
const broker = await start(
  loadBrokerConfig({ DATABASE_URL: databaseUrl, BROKER_PORT: '0', LOG_LEVEL: 'silent' }),
  { logger: silentLogger },
);
process.stdout.write(`${broker.url}\n`);
const orphaned = new AbortController();
process.stdin.on('end', () => orphaned.abort()).resume();
await untilSignal(orphaned.signal);
await broker.close();
process.stdin.destroy();
