import { MeshpactError } from '../errors/meshpact-error.js';
import { createLogger, serializeError, withoutQuotedValues } from './logger.js';
import { inTrace } from './trace-context.js';
import { startSpan } from './traceparent.js';

const secret = 'correct-horse-battery-staple';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (l) => lines.push(l) } });
  return { logger, text: () => lines.join(''), last: () => JSON.parse(lines.at(-1)!) as object };
}

/** What a driver hangs on its errors: the data of the request that failed. */
function driverError(message: string) {
  return Object.assign(new Error(message), {
    code: '22P02',
    detail: `Key (password)=(${secret})`,
    where: `JSON data, line 1: {"password":"${secret}`,
    hint: secret,
    internalQuery: `SELECT '${secret}'`,
    parameters: [secret],
    table: 'auth_users',
  });
}

describe('serializeError', () => {
  it('keeps class, code, schema names and stack frames, and nothing a driver adds', () => {
    const logged = serializeError(driverError('invalid input syntax for type json'));
    const { stack, ...rest } = logged;
    expect(rest).toEqual({
      type: 'Error',
      message: 'invalid input syntax for type json',
      code: '22P02',
      table: 'auth_users',
    });
    expect(stack).toMatch(/^Error: invalid input syntax for type json\n\s+at /);
  });

  it('cuts quoted values out of the message and its stack, quotes within the value too', () => {
    const logged = serializeError(driverError(`invalid input syntax for type uuid: "${secret}"x"`));
    expect(logged.message).toBe('invalid input syntax for type uuid: "…"');
    expect(JSON.stringify(logged)).not.toContain(secret);
    const parse = (() => {
      try {
        return JSON.parse(secret) as unknown;
      } catch (error) {
        return error;
      }
    })();
    // JSON.parse quotes the first ten characters of what it could not read.
    expect(JSON.stringify(serializeError(parse))).not.toContain(secret.slice(1, 10));
    expect(withoutQuotedValues(`token "${secret}`)).toBe('token "…"');
  });

  it('serializes the cause and the errors of an AggregateError the same way, within a depth', () => {
    const outage = new MeshpactError('auth_unavailable', 'auth-service could not be asked', {
      cause: new AggregateError([driverError('one'), driverError('two')], 'fetch failed'),
    });
    const logged = serializeError(outage);
    expect(logged).toMatchObject({
      type: 'MeshpactError',
      code: 'auth_unavailable',
      cause: { type: 'AggregateError', errors: [{ message: 'one' }, { message: 'two' }] },
    });
    expect(JSON.stringify(logged)).not.toContain(secret);

    let deep: Error = new Error('bottom');
    for (let i = 0; i < 10; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(JSON.stringify(serializeError(deep)).match(/"cause"/g)).toHaveLength(3);
  });

  it('keeps only the type of a thrown value that is not an error, and cleans a thrown string', () => {
    expect(serializeError({ password: secret })).toEqual({ type: 'object' });
    expect(serializeError(`bad "${secret}"`)).toEqual({ type: 'string', message: 'bad "…"' });
  });
});

describe('createLogger', () => {
  it('logs an error under any key as serializeError keeps it', () => {
    const { logger, text, last } = capture();
    logger.error({ err: driverError('a'), error: driverError('b') }, 'failed');
    logger.error(driverError('c'));
    expect(text()).not.toContain(secret);
    expect(last()).toMatchObject({ err: { message: 'c', code: '22P02' } });
  });

  it('censors headers, bodies, passwords, tokens and secrets, at the top and one level down', () => {
    const { logger, text, last } = capture();
    logger.info(
      {
        req: { method: 'POST', headers: { authorization: `Basic ${secret}` }, body: secret },
        headers: { 'x-api-key': secret },
        password: secret,
        user: { refresh_token: secret, access_token: secret, token: secret, secret },
      },
      'logged',
    );
    expect(text()).not.toContain(secret);
    expect(last()).toMatchObject({ req: { method: 'POST', headers: '[redacted]' } });
  });

  it('gives a line written in a trace its trace_id, unless the line names one itself', () => {
    const { logger, last } = capture();
    logger.info('outside');
    expect(last()).not.toHaveProperty('trace_id');
    const trace = startSpan();
    inTrace(trace, () => logger.info('inside'));
    expect(last()).toMatchObject({ msg: 'inside', trace_id: trace.traceId });
    inTrace(trace, () => logger.info({ trace_id: 'the run’s' }, 'named'));
    expect(last()).toMatchObject({ msg: 'named', trace_id: 'the run’s' });
  });
});
