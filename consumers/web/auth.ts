import type {
  LoginRequest,
  RegisterRequest,
  TokenResponse,
  User,
} from '../../src/schemas/types.generated.js';
import { ApiError, call, httpOptionsOf, type HttpOptions } from './http.js';

/** What other clients need from a signed-in session: a token, refreshed when it is refused. */
export interface Session {
  /** Runs `request` with the access token; on a 401 refreshes the tokens once and runs it again. */
  authorized<T>(request: (accessToken: string) => Promise<T>): Promise<T>;
}

/**
 * The web app's client of auth-service. It keeps the session (the last token
 * response) in memory; refresh tokens are single use, so each refresh
 * replaces both tokens.
 */
export class AuthClient implements Session {
  readonly #http: HttpOptions;
  #session: TokenResponse | undefined;
  #refreshing: Promise<TokenResponse> | undefined;

  /** `session`: a token response kept from an earlier visit, to resume it. */
  constructor(options: HttpOptions & { session?: TokenResponse }) {
    this.#http = httpOptionsOf(options);
    this.#session = options.session;
  }

  /** The current token response, if signed in. */
  get session(): TokenResponse | undefined {
    return this.#session;
  }

  async register(request: RegisterRequest): Promise<TokenResponse> {
    return this.#keep(
      (await call<TokenResponse>(this.#http, 'POST', '/auth/register', { body: request })).body,
    );
  }

  async login(request: LoginRequest): Promise<TokenResponse> {
    return this.#keep(
      (await call<TokenResponse>(this.#http, 'POST', '/auth/login', { body: request })).body,
    );
  }

  /** Trades the refresh token for a new pair; concurrent callers share one refresh (a second would be a reuse). */
  refresh(): Promise<TokenResponse> {
    const refreshToken = this.#session?.refresh_token;
    if (!refreshToken) return Promise.reject(new ApiError(401, undefined));
    this.#refreshing ??= call<TokenResponse>(this.#http, 'POST', '/auth/refresh', {
      body: { refresh_token: refreshToken },
    })
      .then(
        (answer) => this.#keep(answer.body),
        (error: unknown) => {
          this.#session = undefined;
          throw error;
        },
      )
      .finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async logout(): Promise<void> {
    await this.authorized((token) => call(this.#http, 'POST', '/auth/logout', { token }));
    this.#session = undefined;
  }

  async me(): Promise<User> {
    return this.authorized(
      async (token) => (await call<User>(this.#http, 'GET', '/auth/me', { token })).body,
    );
  }

  async authorized<T>(request: (accessToken: string) => Promise<T>): Promise<T> {
    const token = this.#session?.access_token;
    if (!token) throw new ApiError(401, undefined);
    try {
      return await request(token);
    } catch (error) {
      // Without a refresh token there is nothing to retry with: the 401 stands.
      if (!(error instanceof ApiError) || error.status !== 401 || !this.#session?.refresh_token)
        throw error;
      const renewed = await this.refresh();
      return request(renewed.access_token);
    }
  }

  #keep(response: TokenResponse): TokenResponse {
    this.#session = response;
    return response;
  }
}
