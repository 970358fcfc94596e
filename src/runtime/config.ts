import { MeshpactError } from '../errors/meshpact-error.js';

/** The environment as a plain map: `process.env` in production, a literal in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** How one environment variable becomes one config value. */
export interface Setting<T> {
  readonly variable: string;
  /** Turns the raw text into a value, or throws an Error whose message says what is expected. */
  parse(raw: string): T;
  /** Used when the variable is unset or empty; without one the variable is required. */
  readonly fallback?: () => T;
}

type Values<S> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/**
 * Reads every setting, collects every problem, and fails with one error that
 * names each bad variable; otherwise returns the values, frozen. This is the
 * only place the environment turns into configuration.
 */
export function loadConfig<S extends Record<string, Setting<unknown>>>(
  env: Env,
  spec: S,
): Values<S> {
  const values: Record<string, unknown> = {};
  const problems: { path: string; message: string }[] = [];
  for (const [key, setting] of Object.entries(spec)) {
    const raw = env[setting.variable];
    try {
      if (raw === undefined || raw === '') {
        if (!setting.fallback) throw new Error('is required');
        values[key] = setting.fallback();
      } else {
        values[key] = setting.parse(raw);
      }
    } catch (error) {
      problems.push({ path: setting.variable, message: (error as Error).message });
    }
  }
  if (problems.length > 0) {
    const detail = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    throw new MeshpactError('config_invalid', detail, { extensions: { errors: problems } });
  }
  return Object.freeze(values) as Values<S>;
}

export const setting = {
  string(variable: string, fallback?: string): Setting<string> {
    return { variable, parse: (raw) => raw, ...constant(fallback) };
  },
  optionalString(variable: string): Setting<string | undefined> {
    return { variable, parse: (raw) => raw, fallback: () => undefined };
  },
  oneOf<const T extends string>(variable: string, allowed: readonly T[], fallback?: T): Setting<T> {
    return {
      variable,
      parse(raw) {
        if (!(allowed as readonly string[]).includes(raw)) {
          throw new Error(`must be one of ${allowed.join(', ')} (got "${raw}")`);
        }
        return raw as T;
      },
      ...constant(fallback),
    };
  },
  integer(
    variable: string,
    range: { min: number; max: number },
    fallback?: number,
  ): Setting<number> {
    return {
      variable,
      parse(raw) {
        const value = Number(raw);
        if (!/^-?\d+$/.test(raw) || value < range.min || value > range.max) {
          throw new Error(`must be an integer from ${range.min} to ${range.max} (got "${raw}")`);
        }
        return value;
      },
      ...constant(fallback),
    };
  },
  /** A required URL whose scheme is one of `protocols` (each with its colon, e.g. `http:`). */
  url(variable: string, protocols: readonly string[]): Setting<string> {
    const optional = setting.optionalUrl(variable, protocols);
    return { variable, parse: (raw) => optional.parse(raw) ?? raw };
  },
  /** A URL whose scheme is one of `protocols` (each given with its colon, e.g. `postgres:`). */
  optionalUrl(variable: string, protocols: readonly string[]): Setting<string | undefined> {
    return {
      variable,
      parse(raw) {
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          throw new Error(`must be a URL (got "${redact(raw)}")`);
        }
        if (!protocols.includes(url.protocol)) {
          throw new Error(`must be a ${protocols.join(' or ')}// URL (got "${redact(raw)}")`);
        }
        return raw;
      },
      fallback: () => undefined,
    };
  },
};

function constant<T>(value: T | undefined): { fallback?: () => T } {
  return value === undefined ? {} : { fallback: () => value };
}

/** Hides a password in a URL so that an error message never prints it. */
export function redact(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
