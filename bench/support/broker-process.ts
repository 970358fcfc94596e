import { loadBrokerConfig } from '../../src/broker/config.js';
import { start } from '../../src/broker/server.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { serve } from './child.js';

// The broker in a process of its own (started with startChild), as the
// pact-broker CLI and the Verifier meet it, so a benchmark's clients never
// share its event loop. `listen` migrates the database, listens on a free port
// and answers the broker's URL; the broker closes when the child stops.

let broker: { url: string; close(): Promise<void> } | undefined;

serve(
  {
    async listen({ connectionString }: { connectionString: string }) {
      broker = await start(
        loadBrokerConfig({ DATABASE_URL: connectionString, BROKER_PORT: '0', LOG_LEVEL: 'silent' }),
        { logger: silentLogger },
      );
      return { url: broker.url };
    },
  },
  async () => {
    await broker?.close();
  },
);
