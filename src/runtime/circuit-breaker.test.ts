import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  const clockAt = () => {
    let now = 0;
    return { clock: { now: () => new Date(now) }, advance: (ms: number) => (now += ms) };
  };
  const refused = () => new Error('open');
  const failing = () => Promise.reject(new Error('down'));

  it('lets calls through while they succeed, and after fewer failures than the threshold', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
    await expect(breaker.run(() => Promise.resolve(1), refused)).resolves.toBe(1);
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
  });

  it('refuses at once, without calling, once the threshold of failures in a row is reached', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2 });
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
    let called = 0;
    const call = () => Promise.resolve((called += 1));
    await expect(breaker.run(call, refused)).rejects.toThrow('open');
    expect(called).toBe(0);
  });

  it('lets one call try after the cool-down; its success closes the circuit', async () => {
    const { clock, advance } = clockAt();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000, clock });
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
    advance(999);
    await expect(breaker.run(() => Promise.resolve(1), refused)).rejects.toThrow('open');
    advance(1);
    expect(breaker.allows()).toBe(true);
    expect(breaker.allows()).toBe(false);
    breaker.succeeded();
    await expect(breaker.run(() => Promise.resolve(2), refused)).resolves.toBe(2);
  });

  it('opens again for a whole cool-down when the trial call fails', async () => {
    const { clock, advance } = clockAt();
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, clock });
    for (let i = 0; i < 3; i += 1) await expect(breaker.run(failing, refused)).rejects.toThrow();
    advance(1_000);
    await expect(breaker.run(failing, refused)).rejects.toThrow('down');
    advance(999);
    await expect(breaker.run(() => Promise.resolve(1), refused)).rejects.toThrow('open');
  });
});
