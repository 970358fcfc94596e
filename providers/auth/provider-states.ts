import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../../src/runtime/db.js';
import type { TokenResponse } from '../../src/schemas/types.generated.js';
import {
  callService,
  param,
  StateError,
  type StateContext,
  type StateModule,
  type StateParams,
} from '../shared/provider-states.js';
import { hashPassword, stateAccountCost } from './passwords.js';
import * as store from './store.js';

export interface AuthStateDeps {
  /** auth-service's own database. */
  db: pg.Pool;
  /** The running auth-service: tokens are minted by it, never forged. */
  url: string;
  /** Introspection clients auth-service was started with (AUTH_INTROSPECTION_CLIENTS). */
  introspectionClients: ReadonlyMap<string, string>;
}

interface Credentials {
  email: string;
  password: string;
  name: string;
}

/**
 * auth-service's provider states (README, "Provider states"), served at
 * POST /_pact/provider-states when PACT_PROVIDER_STATES=on. Accounts are
 * written through the store; sessions are opened, spent and closed through the
 * real service, so every token is one it issued.
 */
export function authProviderStates(deps: AuthStateDeps): StateModule {
  const account = async (state: string, params: StateParams, context: StateContext) => {
    const credentials = credentialsOf(state, params);
    const row: store.UserRow = {
      id: randomUUID(),
      tenant_id: randomUUID(),
      email: credentials.email,
      name: credentials.name,
      password_hash: await hashPassword(credentials.password, stateAccountCost),
      created_at: new Date(),
    };
    await withTransaction(deps.db, async (trx) => {
      await store.deleteAccount(trx, row.email);
      await store.insertUser(trx, row);
    });
    context.track({ email: row.email, userId: row.id, tenantId: row.tenant_id }, { signIn: true });
    return credentials;
  };
  const login = async (state: string, params: StateParams, context: StateContext) => {
    const { email, password } = await account(state, params, context);
    return callService<TokenResponse>(state, deps.url, {
      method: 'POST',
      path: '/auth/login',
      body: { email, password },
    });
  };

  return {
    states: {
      'no account exists for an email': {
        async setup(params, context) {
          const email = param.string('no account exists for an email', params, 'email');
          await withTransaction(deps.db, (trx) => store.deleteAccount(trx, email));
          // The interaction registers it; the reset removes it again.
          context.track({ email });
        },
      },
      'user alice@example.com exists': {
        async setup(params, context) {
          await account('user alice@example.com exists', params, context);
        },
      },
      'user alice@example.com is logged in': {
        async setup(params, context) {
          const session = await login('user alice@example.com is logged in', params, context);
          return { access_token: session.access_token, refresh_token: session.refresh_token };
        },
      },
      'a refresh token was already used': {
        async setup(params, context) {
          const state = 'a refresh token was already used';
          const session = await login(state, params, context);
          await callService(state, deps.url, {
            method: 'POST',
            path: '/auth/refresh',
            body: { refresh_token: session.refresh_token },
          });
          return { refresh_token: session.refresh_token };
        },
      },
      'a session was logged out': {
        async setup(params, context) {
          const state = 'a session was logged out';
          const session = await login(state, params, context);
          await callService(state, deps.url, {
            method: 'POST',
            path: '/auth/logout',
            token: session.access_token,
          });
          return { access_token: session.access_token };
        },
      },
      'backend-api has introspection credentials': {
        setup() {
          const secret = deps.introspectionClients.get('backend-api');
          if (!secret)
            throw new StateError(
              'auth-service was started without an introspection client named backend-api (AUTH_INTROSPECTION_CLIENTS)',
            );
          return Promise.resolve({
            basic_credentials: Buffer.from(`backend-api:${secret}`).toString('base64'),
          });
        },
      },
      'auth-service publishes its signing keys': {
        async setup() {
          const keys = await store.publishableKeys(deps.db, new Date());
          if (keys.length === 0) throw new StateError('auth-service has no signing key to publish');
        },
      },
    },
    async reset(context) {
      for (const { email } of context.accounts.values())
        await withTransaction(deps.db, (trx) => store.deleteAccount(trx, email));
    },
  };
}

function credentialsOf(state: string, params: StateParams): Credentials {
  return {
    email: param.string(state, params, 'email'),
    password: param.string(state, params, 'password'),
    name: param.string(state, params, 'name'),
  };
}
