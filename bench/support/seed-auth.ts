import { startAuthForTest } from '../../providers/auth/testing.js';

// seed-claims' auth-service, in a process of its own as deployed, so its
// event loop is not backend-api's: every start_run asks it whether the
// session stands. It starts on its own embedded Postgres, which backend-api
// then shares. Driven over IPC: answers { url, connectionString } once
// listening, and stops (with its Postgres) on SIGTERM or when its parent goes.

export interface SeedAuth {
  url: string;
  connectionString: string;
}

const auth = await startAuthForTest();
let stopping: Promise<void> | undefined;
const stop = (code: number) => {
  stopping ??= auth.close().finally(() => process.exit(code));
};
process.on('disconnect', () => void stop(0));
process.on('SIGINT', () => void stop(130)).on('SIGTERM', () => void stop(143));
process.send!({
  url: auth.url,
  connectionString: auth.postgres.connectionString,
} satisfies SeedAuth);
