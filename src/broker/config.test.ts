import type { Request } from 'express';
import { loadBrokerConfig } from './config.js';
import { baseUrlFor } from './hal.js';

describe('the broker base URLs', () => {
  it('reads PACT_BROKER_BASE_URL as a space-separated list, PACT_BROKER_BASE_URLS first, BROKER_PUBLIC_URL as an alias', () => {
    const config = loadBrokerConfig({
      PACT_BROKER_BASE_URL: 'https://pact.example.com/  http://broker.internal:9292',
      PACT_BROKER_BASE_URLS: 'https://gateway.example.com/pact-broker/',
      BROKER_PUBLIC_URL: 'https://pact.example.com',
    });
    expect(config.baseUrls).toEqual([
      'https://gateway.example.com/pact-broker',
      'https://pact.example.com',
      'http://broker.internal:9292',
    ]);
  });

  it('has none by default, so links name the request host', () => {
    expect(loadBrokerConfig({}).baseUrls).toEqual([]);
  });

  it.each([
    ['not a url', /PACT_BROKER_BASE_URL.*not a URL/],
    ['ftp://example.com', /PACT_BROKER_BASE_URL.*http:\/\/ or https:\/\//],
    ['https://example.com/?a=1', /PACT_BROKER_BASE_URL.*query, fragment or credentials/],
    ['https://user:secret@example.com', /PACT_BROKER_BASE_URL.*query, fragment or credentials/],
  ])('refuses %s, naming the variable', (value, message) => {
    expect(() => loadBrokerConfig({ PACT_BROKER_BASE_URL: value })).toThrow(message);
  });

  it.each([
    'https://user:secret@example.com',
    'http://secret@example.com',
    'http://u:se/cret@example.com',
    'https://example.com/?token=secret',
    'secret',
  ])('never prints a secret of %s', (value) => {
    let message = '';
    try {
      loadBrokerConfig({ PACT_BROKER_BASE_URL: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/PACT_BROKER_BASE_URL/);
    expect(message).not.toContain('secret');
  });
});

describe('baseUrlFor', () => {
  const request = (headers: Record<string, string>, protocol = 'http') =>
    ({
      protocol,
      headers,
      get: (name: string) => headers[name.toLowerCase()],
    }) as unknown as Request;
  const several = ['https://pact.example.com', 'http://broker.internal:9292'];

  it('uses the request own scheme and host when none is configured', () => {
    expect(baseUrlFor(request({ host: '127.0.0.1:9292' }), [])).toBe('http://127.0.0.1:9292');
  });

  it('always uses the one configured', () => {
    expect(baseUrlFor(request({ host: 'elsewhere:1' }), ['https://pact.example.com/b'])).toBe(
      'https://pact.example.com/b',
    );
  });

  it('picks the configured URL the request came in by', () => {
    expect(baseUrlFor(request({ host: 'broker.internal:9292' }), several)).toBe(
      'http://broker.internal:9292',
    );
  });

  it('reads the proxy headers first, default ports included', () => {
    const proxied = request({
      host: 'broker.internal:9292',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'pact.example.com',
      'x-forwarded-port': '443',
    });
    expect(baseUrlFor(proxied, several)).toBe('https://pact.example.com');
  });

  it('falls back to the request itself when the proxy headers name no configured URL', () => {
    const forged = request({ host: 'broker.internal:9292', 'x-forwarded-host': 'evil.example' });
    expect(baseUrlFor(forged, several)).toBe('http://broker.internal:9292');
  });

  it('uses the first when the request matches none', () => {
    expect(baseUrlFor(request({ host: '10.0.0.1:9292' }), several)).toBe(
      'https://pact.example.com',
    );
  });
});
