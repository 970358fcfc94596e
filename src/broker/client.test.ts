import { hungServer } from '../runtime/test-servers.js';
import { BrokerClient } from './client.js';

describe('BrokerClient', () => {
  it('gives up on a broker that never answers, saying so', async () => {
    const broker = await hungServer();
    try {
      const client = new BrokerClient({ baseUrl: broker.url, timeoutMs: 100 });
      await expect(
        client.canIDeploy({ pacticipant: 'web-app', version: '1.0.0', environment: 'production' }),
      ).rejects.toThrow(`cannot reach the broker at ${broker.url}: no answer in time`);
    } finally {
      await broker.close();
    }
  });
});
