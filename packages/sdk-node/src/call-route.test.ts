import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREDENTIAL_ALPHABET, ROUTES } from '@cariosan/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRouteCaller } from './call-route';
import { Cariosan } from './cariosan';
import { CariosanError } from './errors';
import { createRestClient } from './rest-client';

const random = (n: number) =>
  Array.from({ length: n }, () => CREDENTIAL_ALPHABET[randomInt(62)]).join('');
const apiKey = `pk_test_${random(24)}`;
const apiSecret = `sk_test_${random(43)}`;
const MSG = 'msg_01J7KQR8B1N3XJ0Q5C4D6E8F9G';
const WH = 'wh_01J7KQR8B1N3XJ0Q5C4D6E8F9G';
const DLV = 'dlv_01J7KQR8B1N3XJ0Q5C4D6E8F9G';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

/** What the fake server answers next: status, JSON body, headers. */
let reply: { status: number; body: unknown; headers?: Record<string, string> };
const seen: Seen[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      seen.push({
        method: req.method!,
        // The raw path, as sent: encoding is part of what is checked.
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: raw === '' ? undefined : JSON.parse(raw),
        authorization: req.headers.authorization,
      });
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
  reply = { status: 200, body: { ok: true } };
});

const client = () => new Cariosan({ apiKey, apiSecret, baseUrl });

describe('Cariosan typed methods', () => {
  // Every method of every namespace: what it is called with, and the request it must send.
  const cases: [string, (c: Cariosan) => Promise<unknown>, Omit<Seen, 'authorization'>][] = [
    [
      'workspace.get',
      (c) => c.workspace.get(),
      { method: 'GET', path: '/v1/workspace', query: {}, body: undefined },
    ],
    [
      'users.upsert',
      (c) => c.users.upsert('alice@x.io', { name: 'Alice' }),
      { method: 'PUT', path: '/v1/users/alice%40x.io', query: {}, body: { name: 'Alice' } },
    ],
    [
      'users.get',
      (c) => c.users.get('alice'),
      { method: 'GET', path: '/v1/users/alice', query: {}, body: undefined },
    ],
    [
      'users.list',
      (c) => c.users.list({ limit: 10, cursor: 'abc' }),
      { method: 'GET', path: '/v1/users', query: { limit: '10', cursor: 'abc' }, body: undefined },
    ],
    [
      'users.delete',
      (c) => c.users.delete('alice'),
      { method: 'DELETE', path: '/v1/users/alice', query: {}, body: undefined },
    ],
    [
      'users.revokeTokens',
      (c) => c.users.revokeTokens('alice'),
      { method: 'POST', path: '/v1/users/alice/revoke-tokens', query: {}, body: undefined },
    ],
    [
      'channels.create',
      (c) => c.channels.create({ type: 'group', members: ['a', 'b'] }),
      {
        method: 'POST',
        path: '/v1/channels',
        query: {},
        body: { type: 'group', members: ['a', 'b'] },
      },
    ],
    [
      'channels.list',
      (c) => c.channels.list({ user_id: 'alice' }),
      { method: 'GET', path: '/v1/channels', query: { user_id: 'alice' }, body: undefined },
    ],
    [
      'channels.get',
      (c) => c.channels.get('general', { user_id: 'bob' }),
      { method: 'GET', path: '/v1/channels/general', query: { user_id: 'bob' }, body: undefined },
    ],
    [
      'channels.update',
      (c) => c.channels.update('general', { name: 'G' }),
      { method: 'PATCH', path: '/v1/channels/general', query: {}, body: { name: 'G' } },
    ],
    [
      'channels.delete',
      (c) => c.channels.delete('general'),
      { method: 'DELETE', path: '/v1/channels/general', query: {}, body: undefined },
    ],
    [
      'channels.updateMembers',
      (c) => c.channels.updateMembers('general', { add: ['c'] }),
      { method: 'POST', path: '/v1/channels/general/members', query: {}, body: { add: ['c'] } },
    ],
    [
      'messages.send',
      (c) => c.messages.send('general', { text: 'Hi', user_id: 'alice' }),
      {
        method: 'POST',
        path: '/v1/channels/general/messages',
        query: {},
        body: { text: 'Hi', user_id: 'alice' },
      },
    ],
    [
      'messages.list',
      (c) => c.messages.list('general', { before: 120, limit: 50 }),
      {
        method: 'GET',
        path: '/v1/channels/general/messages',
        query: { before: '120', limit: '50' },
        body: undefined,
      },
    ],
    [
      'messages.update',
      (c) => c.messages.update('general', MSG, { text: 'Edit' }),
      {
        method: 'PATCH',
        path: `/v1/channels/general/messages/${MSG}`,
        query: {},
        body: { text: 'Edit' },
      },
    ],
    [
      'messages.delete',
      (c) => c.messages.delete('general', MSG, { user_id: 'alice' }),
      {
        method: 'DELETE',
        path: `/v1/channels/general/messages/${MSG}`,
        query: { user_id: 'alice' },
        body: undefined,
      },
    ],
    [
      'messages.addReaction',
      (c) => c.messages.addReaction('general', MSG, { type: '👍' }),
      {
        method: 'POST',
        path: `/v1/channels/general/messages/${MSG}/reactions`,
        query: {},
        body: { type: '👍' },
      },
    ],
    [
      'messages.removeReaction',
      (c) => c.messages.removeReaction('general', MSG, '👍'),
      {
        method: 'DELETE',
        path: `/v1/channels/general/messages/${MSG}/reactions/%F0%9F%91%8D`,
        query: {},
        body: undefined,
      },
    ],
    [
      'messages.markRead',
      (c) => c.messages.markRead('general', { seq: 7 }),
      { method: 'POST', path: '/v1/channels/general/read', query: {}, body: { seq: 7 } },
    ],
    [
      'webhooks.create',
      (c) => c.webhooks.create({ url: 'https://x.example/h', events: ['message.new'] }),
      {
        method: 'POST',
        path: '/v1/webhooks',
        query: {},
        body: { url: 'https://x.example/h', events: ['message.new'] },
      },
    ],
    [
      'webhooks.list',
      (c) => c.webhooks.list({ limit: 10 }),
      { method: 'GET', path: '/v1/webhooks', query: { limit: '10' }, body: undefined },
    ],
    [
      'webhooks.get',
      (c) => c.webhooks.get(WH),
      { method: 'GET', path: `/v1/webhooks/${WH}`, query: {}, body: undefined },
    ],
    [
      'webhooks.update',
      (c) => c.webhooks.update(WH, { enabled: false }),
      { method: 'PATCH', path: `/v1/webhooks/${WH}`, query: {}, body: { enabled: false } },
    ],
    [
      'webhooks.delete',
      (c) => c.webhooks.delete(WH),
      { method: 'DELETE', path: `/v1/webhooks/${WH}`, query: {}, body: undefined },
    ],
    [
      'webhooks.test',
      (c) => c.webhooks.test(WH),
      { method: 'POST', path: `/v1/webhooks/${WH}/test`, query: {}, body: undefined },
    ],
    [
      'webhooks.deliveries',
      (c) => c.webhooks.deliveries(WH, { status: 'dead', limit: 5 }),
      {
        method: 'GET',
        path: `/v1/webhooks/${WH}/deliveries`,
        query: { status: 'dead', limit: '5' },
        body: undefined,
      },
    ],
    [
      'webhooks.redeliver',
      (c) => c.webhooks.redeliver(WH, DLV),
      {
        method: 'POST',
        path: `/v1/webhooks/${WH}/deliveries/${DLV}/redeliver`,
        query: {},
        body: undefined,
      },
    ],
  ];

  it.each(cases)(
    '%s sends the route of ROUTES with the key pair',
    async (_name, invoke, expected) => {
      reply = { status: 200, body: { answer: 42 } };
      await expect(invoke(client())).resolves.toEqual({ answer: 42 });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toEqual({ ...expected, authorization: `Bearer ${apiKey}:${apiSecret}` });
    },
  );

  it('covers every route of ROUTES', () => {
    const sent = new Set(cases.map(([, , e]) => `${e.method} ${e.path}`));
    for (const route of Object.values(ROUTES)) {
      const pattern = new RegExp(`^${route.method} ${route.path.replace(/:[a-z_]+/g, '[^/]+')}$`);
      expect(
        [...sent].some((s) => pattern.test(s)),
        route.operationId,
      ).toBe(true);
    }
    expect(cases).toHaveLength(Object.keys(ROUTES).length);
  });

  it('throws CariosanError with code, status, field and requestId from an error answer', async () => {
    reply = {
      status: 400,
      body: {
        error: { code: 'invalid_request', message: 'seq: bad', request_id: 'req_1', field: 'seq' },
      },
      headers: { 'x-request-id': 'req_1' },
    };
    const error = await client()
      .messages.markRead('general', { seq: -1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CariosanError);
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      field: 'seq',
      requestId: 'req_1',
    });
  });

  it('validates responses against the route schema only when asked', async () => {
    reply = { status: 200, body: { id: 'alice' } };
    await expect(client().users.get('alice')).resolves.toEqual({ id: 'alice' });
    const strict = new Cariosan({ apiKey, apiSecret, baseUrl, validateResponses: true });
    await expect(strict.users.get('alice')).rejects.toMatchObject({
      code: 'internal_error',
      message: expect.stringContaining('unexpected body'),
    });
  });
});

describe('createRouteCaller', () => {
  const call = () => createRouteCaller(createRestClient({ apiKey, apiSecret, baseUrl }));

  it('URL-encodes path params, so an id cannot reach another path', async () => {
    await call()('getChannel', { channel_id: 'a/b?c#d' });
    expect(seen[0]!.path).toBe('/v1/channels/a%2Fb%3Fc%23d');
  });

  it('refuses missing, empty and dot-segment params before sending anything', async () => {
    const caller = call();
    await expect(caller('getUser', {} as { user_id: string })).rejects.toThrow(/needs user_id/);
    await expect(caller('getUser', { user_id: '' })).rejects.toThrow(TypeError);
    await expect(caller('getUser', { user_id: '..' })).rejects.toThrow(/cannot be \.\./);
    await expect(caller('getUser', { user_id: '.' })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });

  it('leaves undefined query values out and passes the signal', async () => {
    await call()('listMessages', { channel_id: 'c' }, { query: { after: 5, before: undefined } });
    expect(seen[0]!.query).toEqual({ after: '5' });
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(call()('getUser', { user_id: 'a' }, { signal: aborted })).rejects.toThrow('stop');
  });

  it('is what Cariosan.callRoute uses', async () => {
    reply = { status: 201, body: { id: MSG } };
    const message = await client().callRoute(
      'sendMessage',
      { channel_id: 'general' },
      { body: { text: 'Hi', client_id: 'c-1' } },
    );
    expect(message).toEqual({ id: MSG });
    expect(seen[0]).toMatchObject({ method: 'POST', body: { text: 'Hi', client_id: 'c-1' } });
  });
});
