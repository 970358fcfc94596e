// Pact's mock server now and then misses a request under load ("expected but
// not received"; see the diagnostics in src/contracts/consumer-contract.ts).
// A contract test that fails for a real reason fails every attempt; the
// failure of each attempt is printed before the next.
import { jest } from '@jest/globals';

jest.retryTimes(2, { logErrorsBeforeRetry: true });
