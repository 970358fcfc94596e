import { MeshpactError } from '../errors/meshpact-error.js';
import { loadConfig, redact, setting } from './config.js';
import { loadRuntimeConfig } from './runtime-config.js';

describe('loadConfig', () => {
  const spec = {
    port: setting.integer('PORT', { min: 0, max: 65535 }, 0),
    level: setting.oneOf('LOG_LEVEL', ['info', 'debug'] as const, 'info'),
    name: setting.string('SERVICE_NAME'),
  };

  it('reads values, applies fallbacks and freezes the result', () => {
    const config = loadConfig({ PORT: '4001', SERVICE_NAME: 'auth' }, spec);
    expect(config).toEqual({ port: 4001, level: 'info', name: 'auth' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud' }, spec);
    expect(attempt).toThrow(MeshpactError);
    expect(attempt).toThrow(
      'PORT must be an integer from 0 to 65535 (got "70000"); LOG_LEVEL must be one of info, debug (got "loud"); SERVICE_NAME is required',
    );
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'config_invalid' });
      expect((error as MeshpactError).extensions.errors).toHaveLength(3);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', SERVICE_NAME: 'x' }, spec).port).toBe(0);
  });
});

describe('loadRuntimeConfig', () => {
  it('leaves DATABASE_URL unset for the embedded default', () => {
    expect(loadRuntimeConfig({})).toEqual({ databaseUrl: undefined, logLevel: 'info' });
  });

  it('accepts a postgres URL', () => {
    const url = 'postgresql://app:secret@db.internal:5432/mesh';
    expect(loadRuntimeConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('rejects another scheme without printing the password', () => {
    expect(() => loadRuntimeConfig({ DATABASE_URL: 'mysql://app:secret@db/mesh' })).toThrow(
      'DATABASE_URL must be a postgres: or postgresql:// URL (got "mysql://app:***@db/mesh")',
    );
  });
});

describe('redact', () => {
  it('hides only the password of a URL', () => {
    expect(redact('postgres://u:p4ss@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(redact('postgres://h:5432/d')).toBe('postgres://h:5432/d');
  });
});
