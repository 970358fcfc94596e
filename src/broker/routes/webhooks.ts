import { Router, type Request, type Response } from 'express';
import { MeshpactError } from '../../errors/meshpact-error.js';
import { methodNotAllowed } from '../../http/problems.js';
import { validBody } from '../../http/schema-io.js';
import { withTransaction } from '../../runtime/db.js';
import type { WebhookRequest } from '../../schemas/types.generated.js';
import { reads, writes } from '../access.js';
import { hrefsOf, param, requirePacticipant, type BrokerDeps } from '../context.js';
import { sendHal, type Hrefs } from '../hal.js';
import { ignoredBody, webhookUuid } from '../request-rules.js';
import { latestPacts } from '../store/pacts.js';
import {
  deleteWebhook,
  executionsOf,
  findTriggered,
  findWebhook,
  findWebhookForUpdate,
  listWebhooks,
  saveWebhook,
  triggeredForPact,
  triggeredOfWebhook,
  type WebhookFields,
} from '../store/webhooks.js';
import { executeWebhook } from '../webhook-execution.js';
import { keepSecrets, webhookFields, type WebhookSettings } from '../webhook-rules.js';
import { renderRequest, templateValues } from '../webhook-template.js';
import { logsView, triggeredView, webhookListView, webhookView } from '../webhook-views.js';
import { newWebhookUuid } from '../webhooks.js';

/** Webhooks: create, list (all or scoped), read, replace, delete, test-run; their triggered runs and logs. */
export function webhookRoutes(deps: BrokerDeps & { webhooks: WebhookSettings }): Router {
  const { db, clock, webhooks: settings } = deps;
  const router = Router();

  const create = async (req: Request, res: Response, scope: Scope = {}) => {
    const h = hrefsOf(deps, req);
    const fields = scoped(await webhookFields(db, req.body as WebhookRequest, settings), scope);
    const { row } = await saveWebhook(db, newWebhookUuid(), fields, clock.now());
    const view = webhookView(h, row);
    res.setHeader('Location', view._links.self.href);
    sendHal(res, 201, view);
  };

  const list = async (req: Request, res: Response, scope: Scope, self: string, title: string) => {
    sendHal(
      res,
      200,
      webhookListView(hrefsOf(deps, req), self, title, await listWebhooks(db, scope)),
    );
  };

  router
    .route('/webhooks')
    .get(reads, (req, res) => list(req, res, {}, hrefsOf(deps, req).path('webhooks'), 'Webhooks'))
    .post(writes, validBody('broker/webhook-request'), (req, res) => create(req, res))
    .all(methodNotAllowed('GET', 'POST'));

  // Scoped lists and creates: the pacticipants in the path must exist, and win over the body's.
  const scopes: [string, (req: Request) => Promise<Scope>][] = [
    [
      '/webhooks/provider/:provider/consumer/:consumer',
      async (req) => ({
        provider: (await requirePacticipant(db, param(req, 'provider'))).name,
        consumer: (await requirePacticipant(db, param(req, 'consumer'))).name,
      }),
    ],
    [
      '/pacts/provider/:provider/consumer/:consumer/webhooks',
      async (req) => ({
        provider: (await requirePacticipant(db, param(req, 'provider'))).name,
        consumer: (await requirePacticipant(db, param(req, 'consumer'))).name,
      }),
    ],
    [
      '/webhooks/provider/:provider',
      async (req) => ({ provider: (await requirePacticipant(db, param(req, 'provider'))).name }),
    ],
    [
      '/webhooks/consumer/:consumer',
      async (req) => ({ consumer: (await requirePacticipant(db, param(req, 'consumer'))).name }),
    ],
  ];
  for (const [path, scopeOf] of scopes)
    router
      .route(path)
      .get(reads, async (req, res) => {
        const scope = await scopeOf(req);
        const h = hrefsOf(deps, req);
        await list(req, res, scope, `${h.base}${req.path}`, scopeTitle(scope));
      })
      .post(writes, validBody('broker/webhook-request'), async (req, res) =>
        create(req, res, await scopeOf(req)),
      )
      .all(methodNotAllowed('GET', 'POST'));

  router
    .route('/webhooks/execute')
    .post(writes, validBody('broker/webhook-request'), async (req, res) => {
      const fields = await webhookFields(db, req.body as WebhookRequest, settings);
      sendHal(res, 200, await testRun(hrefsOf(deps, req), fields, undefined));
    })
    .all(methodNotAllowed('POST'));

  const requireWebhook = async (req: Request) => {
    const webhook = await findWebhook(db, param(req, 'uuid'));
    if (!webhook) throw new MeshpactError('not_found', `no webhook ${param(req, 'uuid')}`);
    return webhook;
  };

  router
    .route('/webhooks/:uuid')
    .get(reads, async (req, res) =>
      sendHal(res, 200, webhookView(hrefsOf(deps, req), await requireWebhook(req))),
    )
    .put(writes, validBody('broker/webhook-request'), async (req, res) => {
      const uuid = webhookUuid(param(req, 'uuid'));
      const incoming = await webhookFields(db, req.body as WebhookRequest, settings);
      const { row, created } = await withTransaction(db, async (trx) =>
        saveWebhook(
          trx,
          uuid,
          keepSecrets(incoming, await findWebhookForUpdate(trx, uuid)),
          clock.now(),
        ),
      );
      const view = webhookView(hrefsOf(deps, req), row);
      if (created) res.setHeader('Location', view._links.self.href);
      sendHal(res, created ? 201 : 200, view);
    })
    .delete(writes, async (req, res) => {
      if (!(await deleteWebhook(db, param(req, 'uuid'))))
        throw new MeshpactError('not_found', `no webhook ${param(req, 'uuid')}`);
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'PUT', 'DELETE'));

  router
    .route('/webhooks/:uuid/execute')
    .post(writes, ignoredBody, async (req, res) => {
      const webhook = await requireWebhook(req);
      sendHal(res, 200, await testRun(hrefsOf(deps, req), webhook, webhook.uuid));
    })
    .all(methodNotAllowed('POST'));

  router.get('/webhooks/:uuid/triggered-webhooks', reads, async (req, res) => {
    const webhook = await requireWebhook(req);
    const h = hrefsOf(deps, req);
    const rows = await triggeredOfWebhook(db, webhook.id);
    sendHal(res, 200, {
      _embedded: { triggeredWebhooks: rows.map((row) => triggeredView(h, row, settings)) },
      _links: {
        self: {
          title: 'Triggered webhooks',
          href: h.path('webhooks', webhook.uuid, 'triggered-webhooks'),
        },
        'pb:webhook': { title: 'Webhook', href: h.path('webhooks', webhook.uuid) },
      },
    });
  });

  router.get(
    '/pacts/provider/:provider/consumer/:consumer/version/:version/triggered-webhooks',
    reads,
    async (req, res) => {
      const provider = await requirePacticipant(db, param(req, 'provider'));
      const consumer = await requirePacticipant(db, param(req, 'consumer'));
      const h = hrefsOf(deps, req);
      const rows = await triggeredForPact(db, {
        consumer: consumer.name,
        provider: provider.name,
        consumerVersion: param(req, 'version'),
      });
      sendHal(res, 200, {
        _embedded: { triggeredWebhooks: rows.map((row) => triggeredView(h, row, settings)) },
        _links: {
          self: { title: 'Webhooks triggered by the publication', href: `${h.base}${req.path}` },
        },
      });
    },
  );

  router.get(
    '/pacts/provider/:provider/consumer/:consumer/webhooks/status',
    reads,
    async (req, res) => {
      const provider = await requirePacticipant(db, param(req, 'provider'));
      const consumer = await requirePacticipant(db, param(req, 'consumer'));
      const h = hrefsOf(deps, req);
      const rows = await triggeredForPact(db, { consumer: consumer.name, provider: provider.name });
      const count = (status: string) => rows.filter((row) => row.status === status).length;
      sendHal(res, 200, {
        summary: {
          successful: count('success'),
          failed: count('failure'),
          retrying: count('retrying'),
          notRun: count('not_run'),
        },
        _embedded: { triggeredWebhooks: rows.map((row) => triggeredView(h, row, settings)) },
        _links: {
          self: { title: 'Webhooks status', href: `${h.base}${req.path}` },
          'pb:consumer': {
            title: 'Consumer',
            name: consumer.name,
            href: h.path('pacticipants', consumer.name),
          },
          'pb:provider': {
            title: 'Provider',
            name: provider.name,
            href: h.path('pacticipants', provider.name),
          },
          'pb:pact-webhooks': {
            title: 'Webhooks for the pact between the consumer and provider',
            href: h.path('webhooks', 'provider', provider.name, 'consumer', consumer.name),
          },
        },
      });
    },
  );

  router.get('/triggered-webhooks/:uuid/logs', reads, async (req, res) => {
    const triggered = await findTriggered(db, param(req, 'uuid'));
    if (!triggered)
      throw new MeshpactError('not_found', `no triggered webhook ${param(req, 'uuid')}`);
    const executions = await executionsOf(db, triggered.id);
    if (req.accepts(['application/hal+json', 'application/json', 'text/plain']) === 'text/plain') {
      res
        .status(200)
        .type('text/plain')
        .send(executions.map((e) => e.logs).join('\n'));
      return;
    }
    sendHal(res, 200, logsView(hrefsOf(deps, req), triggered, executions, settings));
  });

  /**
   * Runs the webhook once now, as for the newest pact it matches (or with
   * empty values when none does), under the event name `test`. Nothing is
   * stored.
   */
  async function testRun(h: Hrefs, webhook: WebhookFields, uuid: string | undefined) {
    const candidates = (await latestPacts(db))
      .filter(
        (pact) =>
          (webhook.consumer?.name === undefined || webhook.consumer.name === pact.consumer_name) &&
          (webhook.provider?.name === undefined || webhook.provider.name === pact.provider_name),
      )
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime());
    const pact = candidates[0];
    const context = pact
      ? {
          consumer: pact.consumer_name,
          provider: pact.provider_name,
          sha: pact.sha,
          consumerVersion: pact.consumer_version,
        }
      : {
          consumer: webhook.consumer?.name ?? 'placeholder-consumer',
          provider: webhook.provider?.name ?? 'placeholder-provider',
        };
    const values = await templateValues(db, h, 'test', context);
    const result = await executeWebhook(renderRequest(webhook.request, values), {
      clock,
      settings,
      context: { ...context, eventName: 'test' },
    });
    const self = uuid === undefined ? h.path('webhooks', 'execute') : h.path('webhooks', uuid);
    return {
      request: result.request,
      ...(result.response ? { response: result.response } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...(result.message ? { message: result.message } : {}),
      logs: result.logs,
      success: result.success,
      _links: {
        ...(uuid === undefined ? {} : { webhook: { title: 'Webhook', href: self } }),
        'try-again': {
          title: 'Execute the webhook again',
          href: uuid === undefined ? self : `${self}/execute`,
        },
      },
    };
  }

  return router;
}

interface Scope {
  consumer?: string;
  provider?: string;
}

const scoped = (fields: WebhookFields, scope: Scope): WebhookFields => ({
  ...fields,
  ...(scope.consumer !== undefined ? { consumer: { name: scope.consumer } } : {}),
  ...(scope.provider !== undefined ? { provider: { name: scope.provider } } : {}),
});

const scopeTitle = (scope: Scope) =>
  scope.consumer !== undefined && scope.provider !== undefined
    ? `Webhooks for the pact between ${scope.consumer} and ${scope.provider}`
    : scope.consumer !== undefined
      ? `Webhooks for consumer ${scope.consumer}`
      : `Webhooks for provider ${scope.provider ?? ''}`;
