import { Cariosan, verifyWebhook } from '@cariosan/node';
import {
  MAX_WEBHOOKS_PER_WORKSPACE,
  type Webhook,
  WebhookDelivery,
  WebhookDeliveryPage,
} from '@cariosan/protocol';
import { sql } from 'kysely';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../src/db/scope';
import { insertWebhookRow } from '../src/webhooks/webhook.repository';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { apiAs, serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';
import { RECEIVER_ENV, startReceiver, type WebhookReceiver } from './support/webhook-receiver';

// Endpoint management over `app.request()`, with no delivery worker running: deliveries stay
// pending, so what the fan-out trigger creates can be inspected as is.

type Caller = ReturnType<typeof apiAs>;
let server: TestServer;
let receiver: WebhookReceiver;
let ws: RevealedCredentials;
let other: RevealedCredentials;
let api: Caller;
let otherApi: Caller;
let alice: Caller;

const GHOST_WEBHOOK = 'wh_01J7KQR8B1N3XJ0Q5C4D6E8F9G';
const GHOST_DELIVERY = 'dlv_01J7KQR8B1N3XJ0Q5C4D6E8F9G';
const SECRET_BODY = 'root:x:0:0 aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

beforeAll(async () => {
  server = await createTestServer(RECEIVER_ENV);
  receiver = await startReceiver();
  ws = await server.createWorkspace({ name: 'Hooks' });
  other = await server.createWorkspace({ name: 'Other' });
  api = serverApi(server, ws);
  otherApi = serverApi(server, other);
  for (const id of ['alice', 'bob'])
    expect((await api('PUT', `/v1/users/${id}`, {})).status).toBe(201);
  const sdk = new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret });
  alice = apiAs(server, `Bearer ${await sdk.issueUserToken('alice')}`);
  expect(
    (await api('POST', '/v1/channels', { type: 'group', id: 'team', members: ['alice', 'bob'] }))
      .status,
  ).toBe(201);
});
afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

async function create(body: Record<string, unknown> = {}, caller = api): Promise<Webhook> {
  const { status, body: webhook } = await caller('POST', '/v1/webhooks', {
    url: `${receiver.url}/hooks?token=receiver-own`,
    events: ['message.new'],
    ...body,
  });
  expect(status).toBe(201);
  return webhook;
}

async function deliveriesOf(webhookId: string, query = ''): Promise<WebhookDeliveryPage> {
  const { status, body } = await api('GET', `/v1/webhooks/${webhookId}/deliveries${query}`);
  expect(status).toBe(200);
  return v.parse(WebhookDeliveryPage, body);
}

describe('webhook endpoints', () => {
  it('creates, lists, reads, disables, re-enables and deletes an endpoint', async () => {
    const webhook = await create({ events: ['message.new', 'member.added'] });
    expect(webhook).toMatchObject({
      id: expect.stringMatching(/^wh_[0-9A-HJKMNP-TV-Z]{26}$/),
      url: `${receiver.url}/hooks?token=receiver-own`,
      events: ['message.new', 'member.added'],
      enabled: true,
      disabled_reason: null,
      consecutive_failures: 0,
    });
    expect((await api('GET', `/v1/webhooks/${webhook.id}`)).body).toEqual(webhook);
    const listed = await api('GET', '/v1/webhooks?limit=100');
    expect(listed.body.items.map((w: Webhook) => w.id)).toContain(webhook.id);

    const disabled = await api('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, disabled_reason: 'disabled on request' });
    const enabled = await api('PATCH', `/v1/webhooks/${webhook.id}`, {
      enabled: true,
      events: ['user.updated'],
    });
    expect(enabled.body).toMatchObject({
      enabled: true,
      disabled_reason: null,
      events: ['user.updated'],
    });

    expect(await api('DELETE', `/v1/webhooks/${webhook.id}`)).toEqual({
      status: 200,
      body: { id: webhook.id, deleted: true },
    });
    expect((await api('GET', `/v1/webhooks/${webhook.id}`)).status).toBe(404);
    expect((await api('DELETE', `/v1/webhooks/${webhook.id}`)).status).toBe(404);
  });

  it('pages through endpoints with a cursor', async () => {
    const made = [await create(), await create(), await create()];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await api('GET', `/v1/webhooks?limit=2${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((w: Webhook) => w.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    for (const webhook of made) expect(seen).toContain(webhook.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const webhook of made) await api('DELETE', `/v1/webhooks/${webhook.id}`);
  });

  it('validates bodies with the protocol schemas, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: 'ftp://example.com/x', events: ['message.new'] }, 'url'],
      [{ url: 'not a url', events: ['message.new'] }, 'url'],
      [{ url: 'https://user:pw@example.com/x', events: ['message.new'] }, 'url'],
      [{ url: 'https://example.com/x#frag', events: ['message.new'] }, 'url'],
      [{ url: 'https://example.com/x', events: [] }, 'events'],
      [{ url: 'https://example.com/x', events: ['typing.start'] }, 'events.0'],
      [{ url: 'https://example.com/x', events: ['message.new', 'message.new'] }, 'events'],
      [{ url: 'https://example.com/x', events: ['message.new'], secret: 'x' }, 'secret'],
      [{ events: ['message.new'] }, 'url'],
    ];
    for (const [body, field] of cases) {
      const response = await api('POST', '/v1/webhooks', body);
      expect({ body, status: response.status, field: response.body.error?.field }).toEqual({
        body,
        status: 400,
        field,
      });
    }
    const webhook = await create();
    const empty = await api('PATCH', `/v1/webhooks/${webhook.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/at least one of url, events, enabled/);
    expect((await api('GET', '/v1/webhooks/not-a-webhook')).status).toBe(400);
    expect((await api('GET', `/v1/webhooks/${webhook.id}/deliveries?status=lost`)).status).toBe(
      400,
    );
    await api('DELETE', `/v1/webhooks/${webhook.id}`);
  });

  it(`allows at most ${MAX_WEBHOOKS_PER_WORKSPACE} endpoints per workspace`, async () => {
    const fresh = await server.createWorkspace({ name: 'Many hooks' });
    const freshApi = serverApi(server, fresh);
    for (let i = 0; i < MAX_WEBHOOKS_PER_WORKSPACE; i++) await create({}, freshApi);
    const refused = await freshApi('POST', '/v1/webhooks', {
      url: 'https://example.com/x',
      events: ['message.new'],
    });
    expect(refused.status).toBe(409);
  });

  it('refuses user tokens (403) and answers other workspaces with 404', async () => {
    const webhook = await create();
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/webhooks', { url: 'https://example.com/x', events: ['message.new'] }],
      ['GET', '/v1/webhooks'],
      ['GET', `/v1/webhooks/${webhook.id}`],
      ['PATCH', `/v1/webhooks/${webhook.id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${webhook.id}`],
      ['POST', `/v1/webhooks/${webhook.id}/test`],
      ['GET', `/v1/webhooks/${webhook.id}/deliveries`],
      ['POST', `/v1/webhooks/${webhook.id}/deliveries/${GHOST_DELIVERY}/redeliver`],
    ];
    for (const [method, path, body] of routes) {
      const response = await alice(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
    }
    for (const [method, path, body] of routes.slice(2)) {
      const probe = await otherApi(method, path, body);
      const ghost = await otherApi(method, path.replace(webhook.id, GHOST_WEBHOOK), body);
      expect({ method, path, status: probe.status }).toEqual({ method, path, status: 404 });
      expect(probe.body.error.message.replace(webhook.id, 'X')).toBe(
        ghost.body.error.message.replace(GHOST_WEBHOOK, 'X'),
      );
    }
    expect((await otherApi('GET', '/v1/webhooks')).body.items).toEqual([]);
    // Nothing changed, and nothing was sent.
    expect((await api('GET', `/v1/webhooks/${webhook.id}`)).body).toEqual(webhook);
    expect(receiver.requests).toHaveLength(0);
    await api('DELETE', `/v1/webhooks/${webhook.id}`);
  });
});

describe('fan-out into the delivery log', () => {
  it('records one pending delivery per subscribed endpoint in the same transaction as the event', async () => {
    const messages = await create({ events: ['message.new'] });
    const members = await create({ events: ['member.added', 'user.updated'] });
    const off = await create({ events: ['message.new'], enabled: false });
    const sent = await api('POST', '/v1/channels/team/messages', { text: 'hi', user_id: 'alice' });
    expect(sent.status).toBe(201);
    await api('PUT', '/v1/users/alice', { name: 'Alice' });

    const log = await deliveriesOf(messages.id);
    expect(log.items).toHaveLength(1);
    const [delivery] = log.items;
    expect(delivery).toMatchObject({
      id: expect.stringMatching(/^dlv_[0-9A-HJKMNP-TV-Z]{26}$/),
      webhook_id: messages.id,
      event_id: expect.stringMatching(/^evt_/),
      event_type: 'message.new',
      channel_id: 'team',
      status: 'pending',
      attempts: 0,
      last_error: null,
      response_code: null,
      delivered_at: null,
    });
    const [outbox] = await withWorkspace(server.deps.database.db, ws.workspace_id, (trx) =>
      trx
        .selectFrom('outbox')
        .select(['event_id', 'id'])
        .where('type', '=', 'message.new')
        .orderBy('id', 'desc')
        .limit(1)
        .execute(),
    );
    expect(delivery!.event_id).toBe(outbox!.event_id);
    expect((await deliveriesOf(members.id)).items.map((d) => d.event_type)).toEqual([
      'user.updated',
    ]);
    // A disabled endpoint is paused, not unsubscribed: its deliveries wait to be enabled.
    expect((await deliveriesOf(off.id)).items.map((d) => [d.event_type, d.status])).toEqual([
      ['message.new', 'pending'],
    ]);
    // Only the sender's own workspace sees them.
    const foreign = await otherApi('GET', `/v1/webhooks/${messages.id}/deliveries`);
    expect(foreign.status).toBe(404);
    for (const webhook of [messages, members, off]) {
      await api('DELETE', `/v1/webhooks/${webhook.id}`);
    }
  });

  it('rolls deliveries back with the change that failed', async () => {
    const webhook = await create({ events: ['message.new'] });
    const refused = await api('POST', '/v1/channels/nope/messages', {
      text: 'x',
      user_id: 'alice',
    });
    expect(refused.status).toBe(404);
    await expect(
      withWorkspace(server.deps.database.db, ws.workspace_id, async (trx) => {
        await sql`insert into outbox (workspace_id, event_id, type, payload)
          values (${ws.workspace_id}, 'evt_rollback', 'message.new', '{}')`.execute(trx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await deliveriesOf(webhook.id)).items).toEqual([]);
    await api('DELETE', `/v1/webhooks/${webhook.id}`);
  });

  it('filters by status, pages newest first, and queues a redelivery', async () => {
    const webhook = await create({ events: ['message.new'] });
    for (let i = 0; i < 5; i++) {
      await api('POST', '/v1/channels/team/messages', { text: `m${i}`, user_id: 'bob' });
    }
    const first = await deliveriesOf(webhook.id, '?limit=3');
    expect(first.items).toHaveLength(3);
    const second = await deliveriesOf(webhook.id, `?limit=3&cursor=${first.next_cursor}`);
    expect(second.items).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    const ids = [...first.items, ...second.items].map((d) => d.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect((await deliveriesOf(webhook.id, '?status=delivered')).items).toEqual([]);
    expect((await deliveriesOf(webhook.id, '?status=pending')).items).toHaveLength(5);

    // Make one dead, as if its retries had run out, then redeliver it.
    const target = ids[4]!;
    await withWorkspace(server.deps.database.db, ws.workspace_id, (trx) =>
      trx
        .updateTable('webhook_deliveries')
        .set({ status: 'dead', attempts: 31, last_error: 'HTTP 500', dead_after: new Date() })
        .where('id', '=', target)
        .execute(),
    );
    expect((await deliveriesOf(webhook.id, '?status=dead')).items.map((d) => d.id)).toEqual([
      target,
    ]);
    const redelivered = await api(
      'POST',
      `/v1/webhooks/${webhook.id}/deliveries/${target}/redeliver`,
    );
    expect(redelivered.status).toBe(200);
    expect(v.parse(WebhookDelivery, redelivered.body)).toMatchObject({
      id: target,
      status: 'pending',
      attempts: 31,
      next_attempt_at: expect.any(String),
    });
    expect(
      (await api('POST', `/v1/webhooks/${webhook.id}/deliveries/${GHOST_DELIVERY}/redeliver`))
        .status,
    ).toBe(404);
    await api('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: false });
    const whileDisabled = await api(
      'POST',
      `/v1/webhooks/${webhook.id}/deliveries/${target}/redeliver`,
    );
    expect(whileDisabled.status).toBe(409);
    await api('DELETE', `/v1/webhooks/${webhook.id}`);
  });
});

describe('POST /v1/webhooks/:id/test', () => {
  it('sends a signed webhook.test event at once and reports the answer', async () => {
    const webhook = await create();
    receiver.requests.length = 0;
    receiver.answer(() => ({ status: 204 }));
    const { status, body } = await api('POST', `/v1/webhooks/${webhook.id}/test`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ delivered: true, response_code: 204, error: null });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.path).toBe('/hooks?token=receiver-own');
    const event = verifyWebhook(request!.body, request!.headers, ws.api_secret);
    expect(event).toMatchObject({
      id: body.event_id,
      type: 'webhook.test',
      workspace_id: ws.workspace_id,
      data: { webhook_id: webhook.id },
    });

    // Nothing of the answer comes back: the receiver could be any host the server reaches.
    receiver.answer(() => ({ status: 500, body: `${SECRET_BODY}\n` }));
    const failed = await api('POST', `/v1/webhooks/${webhook.id}/test`);
    expect(failed.body).toEqual({
      event_id: expect.stringMatching(/^evt_/),
      delivered: false,
      response_code: 500,
      error: 'http_status',
      duration_ms: expect.any(Number),
    });
    receiver.answer(() => ({ status: 302, headers: { location: 'http://169.254.169.254/' } }));
    expect((await api('POST', `/v1/webhooks/${webhook.id}/test`)).body).toMatchObject({
      delivered: false,
      response_code: 302,
      error: 'redirect_refused',
    });
    receiver.answer(() => ({ status: 204 }));
    // A test event is not a delivery.
    expect((await deliveriesOf(webhook.id)).items).toEqual([]);
    await api('DELETE', `/v1/webhooks/${webhook.id}`);
  });
});

describe('cariosan.webhooks (@cariosan/node)', () => {
  it('manages endpoints and the delivery log with typed calls whose answers match the schemas', async () => {
    const cariosan = new Cariosan({
      apiKey: ws.api_key,
      apiSecret: ws.api_secret,
      baseUrl: 'http://cariosan.test',
      fetch: (input, init) => Promise.resolve(server.app.request(input as string, init)),
      validateResponses: true,
    });
    const webhook = await cariosan.webhooks.create({
      url: `${receiver.url}/sdk`,
      events: ['message.new'],
    });
    expect(await cariosan.webhooks.get(webhook.id)).toEqual(webhook);
    expect((await cariosan.webhooks.list({ limit: 100 })).items.map((w) => w.id)).toContain(
      webhook.id,
    );
    await api('POST', '/v1/channels/team/messages', { text: 'via sdk', user_id: 'alice' });
    const log = await cariosan.webhooks.deliveries(webhook.id, { status: 'pending' });
    expect(log.items).toHaveLength(1);
    const again = await cariosan.webhooks.redeliver(webhook.id, log.items[0]!.id);
    expect(again.status).toBe('pending');
    expect(await cariosan.webhooks.test(webhook.id)).toMatchObject({ delivered: true });
    expect(await cariosan.webhooks.update(webhook.id, { enabled: false })).toMatchObject({
      enabled: false,
    });
    expect(await cariosan.webhooks.delete(webhook.id)).toEqual({ id: webhook.id, deleted: true });
    await expect(cariosan.webhooks.get(webhook.id)).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    });
  });
});

describe('address policy', () => {
  /** A server of its own, with one workspace and its API. */
  async function serverWith(env: Record<string, string>) {
    const own = await createTestServer(env);
    const credentials = await own.createWorkspace();
    return { own, credentials, ownApi: serverApi(own, credentials) };
  }
  const test = async (caller: Caller, url: string) => {
    const created = await caller('POST', '/v1/webhooks', { url, events: ['message.new'] });
    expect({ url, status: created.status }).toEqual({ url, status: 201 });
    return (await caller('POST', `/v1/webhooks/${created.body.id}/test`)).body;
  };

  it('refuses loopback, private and embedded-IPv4 URLs by default, naming url and no address', async () => {
    const { own, credentials, ownApi } = await serverWith({});
    try {
      const port = new URL(receiver.url).port;
      receiver.requests.length = 0;
      for (const url of [
        `${receiver.url}/hooks`,
        `http://localhost:${port}/hooks`, // a name that resolves to loopback
        'http://2130706433/x', // 127.0.0.1 in one number
        'http://10.0.0.8/x',
        'http://[::1]/x',
        'http://[::7f00:1]/x', // IPv4-compatible
        'http://[::ffff:127.0.0.1]/x', // IPv4-mapped
        'http://[2002:7f00:1::]/x', // 6to4
        'http://[64:ff9b::a9fe:a9fe]/x', // NAT64 of the metadata endpoint
        'http://169.254.169.254/latest/meta-data',
      ]) {
        const response = await ownApi('POST', '/v1/webhooks', { url, events: ['message.new'] });
        expect({ url, status: response.status, field: response.body.error?.field }).toEqual({
          url,
          status: 400,
          field: 'url',
        });
        expect(response.body.error.message).not.toMatch(/\d+\.\d+|::|localhost|\[/);
      }
      const ok = await ownApi('POST', '/v1/webhooks', {
        url: 'https://hooks.example.com/x',
        events: ['message.new'],
      });
      expect(ok.status).toBe(201);
      const moved = await ownApi('PATCH', `/v1/webhooks/${ok.body.id}`, {
        url: 'http://192.168.1.10/x',
      });
      expect({ status: moved.status, field: moved.body.error.field }).toEqual({
        status: 400,
        field: 'url',
      });

      // A URL saved before the policy applied is refused when it is sent to.
      const id = 'wh_01J7KQR8B1N3XJ0Q5C4D6E8F9H';
      await withWorkspace(own.deps.database.db, credentials.workspace_id, (trx) =>
        insertWebhookRow(trx, {
          workspace_id: credentials.workspace_id,
          id,
          url: `http://localhost:${port}/stored`,
          events: ['message.new'],
          enabled: true,
        }),
      );
      expect((await ownApi('POST', `/v1/webhooks/${id}/test`)).body).toMatchObject({
        delivered: false,
        response_code: null,
        error: 'blocked_address',
      });
      expect(receiver.requests).toHaveLength(0);
      expect(own.logLines.join('\n')).not.toMatch(/127\.0\.0\.1|::1/);
    } finally {
      await own.close();
    }
  });

  it('reaches receivers on CARIOSAN_WEBHOOK_ALLOW_HOSTS, by host name or by network', async () => {
    const port = new URL(receiver.url).port;
    receiver.answer(() => ({ status: 204 }));
    const named = await serverWith({ CARIOSAN_WEBHOOK_ALLOW_HOSTS: 'localhost' });
    try {
      expect(await test(named.ownApi, `http://localhost:${port}/named`)).toMatchObject({
        delivered: true,
        response_code: 204,
        error: null,
      });
      // The name is allowed, not the address it resolves to.
      const literal = await named.ownApi('POST', '/v1/webhooks', {
        url: `${receiver.url}/literal`,
        events: ['message.new'],
      });
      expect(literal.status).toBe(400);
    } finally {
      await named.own.close();
    }
    const network = await serverWith({
      CARIOSAN_WEBHOOK_ALLOW_HOSTS: 'hooks.internal,127.0.0.0/8',
    });
    try {
      expect(await test(network.ownApi, `${receiver.url}/network`)).toMatchObject({
        delivered: true,
        response_code: 204,
      });
      const outside = await network.ownApi('POST', '/v1/webhooks', {
        url: 'http://10.0.0.8/x',
        events: ['message.new'],
      });
      expect(outside.status).toBe(400);
    } finally {
      await network.own.close();
    }
    expect(receiver.requests.map((r) => r.path)).toEqual(['/named', '/network']);
  });

  it('reports a failed test call as an error class, never as what the network said', async () => {
    const { own, ownApi } = await serverWith({
      ...RECEIVER_ENV,
      CARIOSAN_WEBHOOK_TIMEOUT_MS: '500',
    });
    const closed = await startReceiver();
    const closedUrl = closed.url;
    await closed.close();
    receiver.answer((request) => ({ status: 204, delayMs: request.path === '/slow' ? 5_000 : 0 }));
    try {
      const port = new URL(receiver.url).port;
      const cases: Array<[string, string]> = [
        [`${closedUrl}/x`, 'connection_failed'],
        [`${receiver.url}/slow`, 'timeout'],
        [`https://127.0.0.1:${port}/plain-http`, 'tls_failed'],
        ['http://no-such-host.invalid/x', 'dns_failed'],
      ];
      for (const [url, error] of cases) {
        const result = await test(ownApi, url);
        expect({ url, result }).toEqual({
          url,
          result: {
            event_id: expect.stringMatching(/^evt_/),
            delivered: false,
            response_code: null,
            error,
            duration_ms: expect.any(Number),
          },
        });
      }
    } finally {
      receiver.answer(() => ({ status: 204 }));
      await own.close();
    }
  });
});
