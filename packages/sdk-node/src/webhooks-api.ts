import type { CallOptions, RouteBody, RouteCaller, RouteQuery, RouteResponse } from './call-route';

/**
 * `cariosan.webhooks`: the endpoints Cariosan POSTs events to, their delivery log,
 * redelivery and a test event. Verify what arrives with `verifyWebhook`.
 *
 * @example
 * const webhook = await cariosan.webhooks.create({ url: 'https://api.example.com/hooks', events: ['message.new'] });
 */
export interface WebhooksApi {
  /**
   * Creates an endpoint; it receives events from now on.
   *
   * @example
   * await cariosan.webhooks.create({ url: 'https://api.example.com/hooks', events: ['message.new'] });
   */
  create(
    body: RouteBody<'createWebhook'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'createWebhook'>>;
  /**
   * @example
   * const { items } = await cariosan.webhooks.list();
   */
  list(
    query?: RouteQuery<'listWebhooks'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'listWebhooks'>>;
  /**
   * An endpoint, with `disabled_reason` when the server turned it off.
   *
   * @example
   * const { enabled, disabled_reason } = await cariosan.webhooks.get('wh_…');
   */
  get(webhookId: string, options?: CallOptions): Promise<RouteResponse<'getWebhook'>>;
  /**
   * Changes URL or events, or disables (`{ enabled: false }`) and re-enables it.
   *
   * @example
   * await cariosan.webhooks.update('wh_…', { enabled: true });
   */
  update(
    webhookId: string,
    body: RouteBody<'updateWebhook'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'updateWebhook'>>;
  /**
   * @example
   * await cariosan.webhooks.delete('wh_…');
   */
  delete(webhookId: string, options?: CallOptions): Promise<RouteResponse<'deleteWebhook'>>;
  /**
   * Sends a signed `webhook.test` event now and reports how the endpoint answered.
   *
   * @example
   * const { delivered, response_code } = await cariosan.webhooks.test('wh_…');
   */
  test(webhookId: string, options?: CallOptions): Promise<RouteResponse<'testWebhook'>>;
  /**
   * The delivery log of an endpoint, newest first.
   *
   * @example
   * const { items } = await cariosan.webhooks.deliveries('wh_…', { status: 'dead' });
   */
  deliveries(
    webhookId: string,
    query?: RouteQuery<'listWebhookDeliveries'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'listWebhookDeliveries'>>;
  /**
   * Delivers an event again, with a fresh retry window.
   *
   * @example
   * await cariosan.webhooks.redeliver('wh_…', 'dlv_…');
   */
  redeliver(
    webhookId: string,
    deliveryId: string,
    options?: CallOptions,
  ): Promise<RouteResponse<'redeliverWebhookDelivery'>>;
}

/**
 * Builds {@link WebhooksApi} over a route caller.
 *
 * @example
 * const webhooks = createWebhooksApi(createRouteCaller(rest));
 */
export function createWebhooksApi(call: RouteCaller): WebhooksApi {
  const withQuery = <Q>(query: Q | undefined, options: CallOptions | undefined) => ({
    ...options,
    ...(query ? { query } : {}),
  });
  return {
    create: (body, options) => call('createWebhook', {}, { ...options, body }),
    list: (query, options) => call('listWebhooks', {}, withQuery(query, options)),
    get: (webhookId, options) => call('getWebhook', { webhook_id: webhookId }, options),
    update: (webhookId, body, options) =>
      call('updateWebhook', { webhook_id: webhookId }, { ...options, body }),
    delete: (webhookId, options) => call('deleteWebhook', { webhook_id: webhookId }, options),
    test: (webhookId, options) => call('testWebhook', { webhook_id: webhookId }, options),
    deliveries: (webhookId, query, options) =>
      call('listWebhookDeliveries', { webhook_id: webhookId }, withQuery(query, options)),
    redeliver: (webhookId, deliveryId, options) =>
      call('redeliverWebhookDelivery', { webhook_id: webhookId, delivery_id: deliveryId }, options),
  };
}
