import { createHmac } from 'node:crypto';
import {
  standardWebhooksSecret,
  verifyWebhook,
  type WebhookVerificationCode,
  WebhookVerificationError,
} from '@cariosan/node';
import type { Webhook, WebhookDelivery, WebhookEvent } from '@cariosan/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../src/webhooks/address-policy';
import {
  startWebhookWorker,
  type WebhookWorker,
  type WebhookWorkerOptions,
} from '../src/webhooks/delivery-worker';
import { createWebhookSender } from '../src/webhooks/webhook-sender';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';
import {
  RECEIVER_ENV,
  type ReceivedRequest,
  startReceiver,
  type WebhookReceiver,
} from './support/webhook-receiver';

// The delivery worker against a real HTTP receiver on 127.0.0.1, with retries in milliseconds.

type Caller = ReturnType<typeof serverApi>;
let server: TestServer;
let receiver: WebhookReceiver;
let ws: RevealedCredentials;
let api: Caller;
let worker: WebhookWorker | undefined;

const SECRET_BODY = 'postgres://admin:hunter2@10.0.0.8/prod';

const FAST: Partial<WebhookWorkerOptions> = {
  retry: { baseMs: 40, maxDelayMs: 200, windowMs: 60_000 },
  pollMs: 100,
  // Generous: a loaded CI machine can stall a test process for seconds.
  timeoutMs: 10_000,
};

async function restartWorker(options: Partial<WebhookWorkerOptions> = {}) {
  await worker?.stop(100);
  worker = await startWebhookWorker(server.deps, { ...FAST, ...options });
}

beforeAll(async () => {
  server = await createTestServer(RECEIVER_ENV);
  receiver = await startReceiver();
  ws = await server.createWorkspace({ name: 'Deliveries' });
  api = serverApi(server, ws);
  for (const id of ['alice', 'bob']) await api('PUT', `/v1/users/${id}`, {});
  await api('POST', '/v1/channels', { type: 'group', id: 'team', members: ['alice', 'bob'] });
  await api('POST', '/v1/channels', { type: 'group', id: 'side', members: ['alice', 'bob'] });
  await restartWorker();
});
afterEach(async () => {
  receiver.answer(() => ({ status: 204 }));
  receiver.requests.length = 0;
  // Each test starts from no endpoints, so events of one never reach another's receiver.
  const { body } = await api('GET', '/v1/webhooks?limit=100');
  for (const webhook of body.items as Webhook[]) await api('DELETE', `/v1/webhooks/${webhook.id}`);
  await restartWorker();
});
afterAll(async () => {
  await worker?.stop(100);
  await receiver?.close();
  await server?.close();
});

async function hook(path = '/hooks', events = ['message.new'], caller = api): Promise<Webhook> {
  const { status, body } = await caller('POST', '/v1/webhooks', {
    url: `${receiver.url}${path}`,
    events,
  });
  expect(status).toBe(201);
  return body;
}

async function send(text: string, channel = 'team', caller = api) {
  const { status, body } = await caller('POST', `/v1/channels/${channel}/messages`, {
    text,
    user_id: 'alice',
  });
  expect(status).toBe(201);
  return body as { id: string; seq: number };
}

async function deliveries(webhookId: string): Promise<WebhookDelivery[]> {
  return (await api('GET', `/v1/webhooks/${webhookId}/deliveries?limit=100`)).body.items;
}

const requestsOf = (eventId: string) =>
  receiver.requests.filter((r) => r.headers['x-cariosan-event-id'] === eventId);

async function untilReceived(count: number, timeout = 10_000) {
  await expect
    .poll(() => receiver.requests.length, { timeout, interval: 20 })
    .toBeGreaterThanOrEqual(count);
}

function codeOf(run: () => unknown): WebhookVerificationCode {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).code;
  }
  throw new Error('verified, but should not have');
}

describe('signed delivery', () => {
  it('delivers each event once, signed so verifyWebhook and a Standard Webhooks verifier accept it', async () => {
    const webhook = await hook();
    const message = await send('signed hello');
    await untilReceived(1);
    const [request] = receiver.requests as [ReceivedRequest];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');

    const event = verifyWebhook(request.body, request.headers, ws.api_secret) as Extract<
      WebhookEvent,
      { type: 'message.new' }
    >;
    expect(event).toMatchObject({
      id: request.headers['x-cariosan-event-id'],
      type: 'message.new',
      workspace_id: ws.workspace_id,
      channel_id: 'team',
      seq: message.seq,
      data: { message: { id: message.id, text: 'signed hello' } },
    });
    expect(request.headers['x-cariosan-event-type']).toBe('message.new');
    expect(request.headers['x-cariosan-attempt']).toBe('1');
    const timestamp = Number(request.headers['x-cariosan-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(request.headers['x-cariosan-signature']).toMatch(
      new RegExp(`^t=${timestamp},v1=[0-9a-f]{64}$`),
    );

    // Standard Webhooks: HMAC("id.timestamp.body") under the base64 key of the whsec_ secret.
    const key = Buffer.from(standardWebhooksSecret(ws.api_secret).slice(6), 'base64');
    const expected = createHmac('sha256', key)
      .update(
        `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`,
      )
      .digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(request.headers['webhook-id']).toBe(event.id);

    // Tampered, wrongly keyed or replayed later: refused.
    const tampered = request.body.replace('signed hello', 'signed hellO');
    expect(codeOf(() => verifyWebhook(tampered, request.headers, ws.api_secret))).toBe(
      'invalid_signature',
    );
    const stranger = await server.createWorkspace({ name: 'Stranger' });
    expect(codeOf(() => verifyWebhook(request.body, request.headers, stranger.api_secret))).toBe(
      'invalid_signature',
    );
    const later = () => Date.now() + 10 * 60_000;
    expect(
      codeOf(() => verifyWebhook(request.body, request.headers, ws.api_secret, { now: later })),
    ).toBe('timestamp_out_of_tolerance');

    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe('delivered');
    const [delivery] = await deliveries(webhook.id);
    expect(delivery).toMatchObject({
      event_id: event.id,
      status: 'delivered',
      attempts: 1,
      response_code: 204,
      last_error: null,
      next_attempt_at: null,
      delivered_at: expect.any(String),
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends only subscribed event types', async () => {
    await hook('/hooks', ['member.added', 'user.updated']);
    await send('not subscribed');
    await api('PUT', '/v1/users/alice', { name: 'Alice' });
    await untilReceived(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.map((r) => r.headers['x-cariosan-event-type'])).toEqual([
      'user.updated',
    ]);
  });

  it('sends the events of one channel in seq order', async () => {
    await hook();
    const sent: number[] = [];
    for (let i = 0; i < 20; i++) sent.push((await send(`n${i}`, i % 2 ? 'team' : 'side')).seq);
    await expect.poll(() => receiver.eventIds().size, { timeout: 10_000 }).toBe(20);
    for (const channel of ['team', 'side']) {
      // First attempts go out in seq order; a retry (a connection reset on a loaded machine)
      // may land later, which is why receivers order by seq.
      const seqs = receiver.requests
        .filter((r) => r.headers['x-cariosan-attempt'] === '1')
        .map((r) => JSON.parse(r.body) as WebhookEvent)
        .filter((e) => e.channel_id === channel)
        .map((e) => e.seq);
      expect(seqs.length).toBeGreaterThanOrEqual(9);
      expect(seqs).toEqual([...seqs].sort((a, b) => a! - b!));
    }
  });
});

describe('retries', () => {
  it('retries a receiver that fails three times, with growing delays, until it takes the event', async () => {
    const webhook = await hook();
    receiver.answer((_, index) =>
      index < 3 ? { status: 500, body: `${SECRET_BODY} ${'x'.repeat(5000)}` } : { status: 200 },
    );
    const message = await send('try again');
    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe('failed');
    // The status and a fixed class: nothing of what the receiver said.
    expect((await deliveries(webhook.id))[0]).toMatchObject({
      response_code: 500,
      last_error: 'http_status',
    });

    await untilReceived(4);
    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe('delivered');
    const eventId = receiver.requests[0]!.headers['x-cariosan-event-id'] as string;
    const attempts = requestsOf(eventId);
    expect(attempts.map((r) => r.headers['x-cariosan-attempt'])).toEqual(['1', '2', '3', '4']);
    for (const request of attempts) {
      const event = verifyWebhook(request.body, request.headers, ws.api_secret);
      expect(event.data).toMatchObject({ message: { id: message.id } });
    }
    // Backoff: at least half of 40, 80, 160 ms (equal jitter), so each wait is longer.
    const gaps = attempts.slice(1).map((r, i) => r.at - attempts[i]!.at);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 5);
    expect(await deliveries(webhook.id)).toMatchObject([
      { status: 'delivered', attempts: 4, response_code: 200, last_error: null },
    ]);
    expect(receiver.requests).toHaveLength(4);
    const after = (await api('GET', `/v1/webhooks/${webhook.id}`)).body;
    expect(after.consecutive_failures).toBe(0);
  });

  it('honours Retry-After on 429 and 503', async () => {
    const webhook = await hook();
    receiver.answer((_, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' } }
        : index === 1
          ? { status: 503, headers: { 'retry-after': '1' } }
          : { status: 204 },
    );
    await send('slow down');
    await untilReceived(3, 10_000);
    const [first, second, third] = receiver.requests;
    // The backoff alone would retry after 20–80 ms.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(950);
    await expect
      .poll(async () => (await deliveries(webhook.id))[0])
      .toMatchObject({
        status: 'delivered',
        attempts: 3,
      });
  });

  it('does not follow redirects', async () => {
    const webhook = await hook('/moved');
    receiver.answer((request) =>
      request.path === '/moved'
        ? { status: 307, headers: { location: `${receiver.url}/elsewhere` } }
        : { status: 204 },
    );
    await send('redirected');
    await untilReceived(2);
    expect(receiver.requests.every((r) => r.path === '/moved')).toBe(true);
    const [delivery] = await deliveries(webhook.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      response_code: 307,
      last_error: 'redirect_refused',
    });
  });

  it('gives up on an attempt after the timeout', async () => {
    await restartWorker({ timeoutMs: 200 });
    const webhook = await hook();
    receiver.answer((_, index) =>
      index === 0 ? { status: 204, delayMs: 1_000 } : { status: 204 },
    );
    await send('too slow');
    await expect
      .poll(async () => (await deliveries(webhook.id))[0]?.status, { timeout: 5_000 })
      .toBe('delivered');
    expect(await deliveries(webhook.id)).toMatchObject([{ attempts: 2 }]);
    expect(receiver.requests.length).toBe(2);
  });

  it('declares a delivery dead after its retry window and disables an endpoint that keeps failing, saying why', async () => {
    // The window holds dozens of 20–40 ms retries, so the three failures in a row that
    // disable the endpoint happen before it ends even on a loaded machine.
    await restartWorker({
      retry: { baseMs: 20, maxDelayMs: 40, windowMs: 2_000 },
      disableAfterFailures: 3,
    });
    const webhook = await hook();
    receiver.answer(() => ({ status: 502, body: SECRET_BODY }));
    await send('doomed');
    await expect
      .poll(async () => (await api('GET', `/v1/webhooks/${webhook.id}`)).body, { timeout: 10_000 })
      .toMatchObject({
        enabled: false,
        disabled_reason: expect.stringMatching(
          /^disabled after \d+ failed attempts in a row; last error: http_status \(502\)$/,
        ),
      });
    const [dead] = await deliveries(webhook.id);
    expect(dead).toMatchObject({
      status: 'dead',
      response_code: 502,
      last_error: 'http_status',
      next_attempt_at: null,
    });
    expect(dead!.attempts).toBeGreaterThanOrEqual(3);
    const shown = JSON.stringify([await deliveries(webhook.id), await api('GET', '/v1/webhooks')]);
    expect(shown).not.toMatch(/hunter2|postgres:|10\.0\.0\.8/);

    // Paused, not lost: an event while disabled waits, and goes out once re-enabled.
    receiver.answer(() => ({ status: 204 }));
    const attemptsSoFar = receiver.requests.length;
    await send('while disabled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.length).toBe(attemptsSoFar);
    const enabled = await api('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({
      enabled: true,
      disabled_reason: null,
      consecutive_failures: 0,
    });
    await untilReceived(attemptsSoFar + 1);
    const redelivered = await api(
      'POST',
      `/v1/webhooks/${webhook.id}/deliveries/${dead!.id}/redeliver`,
    );
    expect(redelivered.body).toMatchObject({ status: 'pending' });
    await expect
      .poll(async () => (await deliveries(webhook.id)).map((d) => d.status))
      .toEqual(['delivered', 'delivered']);
  });
});

describe('fairness', () => {
  it('keeps a slow endpoint to its share of attempts, so others are not held behind it', async () => {
    await restartWorker({ maxInFlight: 8, maxPerEndpoint: 2, timeoutMs: 5_000 });
    const channels = Array.from({ length: 10 }, (_, i) => `busy-${i}`);
    for (const id of channels) {
      await api('POST', '/v1/channels', { type: 'group', id, members: ['alice', 'bob'] });
    }
    receiver.answer((request) => ({ status: 204, delayMs: request.path === '/slow' ? 3_000 : 0 }));
    // Ten deliveries on ten channels (no ordering between them) to an endpoint that takes
    // 3 s each: uncapped, they would take all eight slots of this node.
    await hook('/slow');
    for (const id of channels) await send(`slow ${id}`, id);
    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/slow').length, { interval: 20 })
      .toBeGreaterThanOrEqual(2);
    const fast = await hook('/fast');
    await send('fast one', 'team');
    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/fast').length, {
        timeout: 10_000,
        interval: 20,
      })
      .toBe(1);
    // Capped, the slow endpoint had two attempts in flight and the next two start only when
    // they answer (3 s): the fast delivery got a free slot before that. Uncapped, eight slow
    // attempts would have started before it.
    const fastAt = (receiver.requests.find((r) => r.path === '/fast') as ReceivedRequest).at;
    const slowBefore = receiver.requests.filter((r) => r.path === '/slow' && r.at < fastAt);
    expect(slowBefore).toHaveLength(2);
    await expect
      .poll(async () => (await deliveries(fast.id))[0]?.status, { timeout: 10_000 })
      .toBe('delivered');
  });
});

describe('safety', () => {
  it('refuses to deliver to an address the policy refuses, and says only that', async () => {
    const webhook = await hook();
    // As if the URL had been saved before the policy (or its allow-list) changed.
    await restartWorker({ policy: createAddressPolicy({ blockPrivate: true }) });
    await send('to localhost');
    await expect.poll(async () => (await deliveries(webhook.id))[0]?.status).toBe('failed');
    const [delivery] = await deliveries(webhook.id);
    expect(delivery).toMatchObject({ last_error: 'blocked_address', response_code: null });
    expect(receiver.requests).toHaveLength(0);
    // The server's own policy allows the receiver (CARIOSAN_WEBHOOK_ALLOW_HOSTS=127.0.0.1).
    await restartWorker();
    await untilReceived(1);
  });

  it('applies the policy to the address it connects to, so DNS rebinding cannot slip past the check', async () => {
    // A name that answers a public address to the check and loopback to the connection.
    let answers = 0;
    const rebinding = (allowHosts: string[]) =>
      createAddressPolicy({
        blockPrivate: true,
        allowHosts,
        resolve: async () => [
          { address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 },
        ],
      });
    const url = `http://rebind.test:${new URL(receiver.url).port}/rebind`;
    const strict = rebinding([]);
    expect(await strict.check(new URL(url))).toBe(true);
    const sender = createWebhookSender({ timeoutMs: 10_000, policy: strict });
    try {
      expect(await sender.send(url, '{}', {})).toMatchObject({
        ok: false,
        status: null,
        error: 'blocked_address',
      });
    } finally {
      sender.close();
    }
    expect(receiver.requests).toHaveLength(0);
    // Allowed, the connection goes to exactly the address the lookup answered.
    const allowed = createWebhookSender({ timeoutMs: 10_000, policy: rebinding(['127.0.0.1']) });
    try {
      expect(await allowed.send(url, '{}', {})).toMatchObject({ ok: true, status: 204 });
    } finally {
      allowed.close();
    }
    expect(receiver.requests.map((r) => [r.path, r.headers.host])).toEqual([
      ['/rebind', `rebind.test:${new URL(receiver.url).port}`],
    ]);
  });

  it('signs with the new secret only once rotate-secret has run', async () => {
    const rotating = await server.createWorkspace({ name: 'Rotating' });
    const rotatingApi = serverApi(server, rotating);
    await rotatingApi('PUT', '/v1/users/alice', {});
    await rotatingApi('POST', '/v1/channels', { type: 'group', id: 'team', members: ['alice'] });
    await hook('/rotating', ['message.new'], rotatingApi);
    // After the first event, the receiver takes only what the new secret signed: attempts of
    // the straddling event before the rotation are refused and retried, however long the
    // rotation takes on a busy machine.
    let rotated: { api_secret: string } | undefined;
    const signedByNew = (request: (typeof receiver.requests)[number]) => {
      if (!rotated) return false;
      try {
        verifyWebhook(request.body, request.headers, rotated.api_secret);
        return true;
      } catch {
        return false;
      }
    };
    receiver.answer((request, index) =>
      index === 0 || signedByNew(request)
        ? { status: 204 }
        : { status: 503, headers: { 'retry-after': '1' } },
    );
    await send('before', 'team', rotatingApi);
    await untilReceived(1);
    expect(
      verifyWebhook(receiver.requests[0]!.body, receiver.requests[0]!.headers, rotating.api_secret)
        .type,
    ).toBe('message.new');
    await send('straddling', 'team', rotatingApi);
    await untilReceived(2);
    const newCredentials = await server.rotateSecret(rotating.workspace_id);
    rotated = newCredentials;
    const newApi = serverApi(server, newCredentials);
    // Nodes hear of the rotation through NOTIFY: the new secret works a moment later.
    await expect.poll(async () => (await newApi('GET', '/v1/workspace')).status).toBe(200);
    await send('after', 'team', newApi);
    const accepted = () => receiver.requests.slice(1).filter(signedByNew);
    await expect.poll(() => accepted().length, { timeout: 30_000, interval: 50 }).toBe(2);
    for (const request of accepted()) {
      expect(codeOf(() => verifyWebhook(request.body, request.headers, rotating.api_secret))).toBe(
        'invalid_signature',
      );
    }
    const texts = accepted()
      .map((r) => (JSON.parse(r.body) as { data: { message: { text: string } } }).data.message.text)
      .sort();
    expect(texts).toEqual(['after', 'straddling']);
  });

  it('keeps secrets out of the logs', () => {
    const logs = server.logLines.join('\n');
    expect(logs).not.toContain(ws.api_secret);
    expect(logs).not.toMatch(/sk_(live|test)_[0-9A-Za-z]{20}/);
    expect(logs).not.toContain(receiver.url);
    expect(logs).not.toContain('hunter2');
  });
});
