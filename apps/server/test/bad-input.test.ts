import { ROUTES, type RouteName } from '@cariosan/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from './support/live-server';
import { openSocket, type TestSocket } from './support/ws-client';

/**
 * A generated suite of malformed input: every route of ROUTES with broken bodies (not JSON, not
 * UTF-8, not an object, each field replaced by NUL, lone surrogates, wrong types, 10,000-deep
 * nesting), broken query strings and path parameters, and every client frame type broken the
 * same ways. Nothing may answer 5xx, every error has SPEC's shape, and the node keeps serving.
 */

let server: LiveServer;
let auth: string;
let messageId: string;
let webhookId: string;
let frameToken: () => Promise<string>;

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** A JSON text with `raw` (already JSON text) in place of `field`. */
const withRaw = (body: Record<string, unknown>, field: string, raw: string) => {
  const marker = '"__raw__"';
  return JSON.stringify({ ...body, [field]: '__raw__' }).replace(marker, raw);
};

/** Field values that no field accepts, as JSON text, with whether the server must name the field. */
const BAD_VALUES: Array<[label: string, raw: string, names: boolean]> = [
  ['nul', JSON.stringify('a\u0000b'), true],
  ['high surrogate', '"x\\ud800"', true],
  ['low surrogate', '"\\udfffx"', true],
  ['reversed pair', '"\\ude00\\ud83d"', true],
  ['nul in a nested key', '{"k\\u0000":1}', true],
  ['nul in an array', '["ok","\\u0000"]', true],
  ['deep array', deep(10_000), true],
  ['deep object', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, true],
  ['number', '12345', false],
  ['negative', '-1', false],
  ['fraction', '0.5', false],
  ['huge number', '1e400', false],
  ['big integer', '9007199254740993', false],
  ['true', 'true', false],
  ['null', 'null', false],
  ['empty array', '[]', false],
  ['empty object', '{}', false],
  ['long string', JSON.stringify('x'.repeat(300_000)), false],
];

const NON_OBJECT_BODIES = ['[]', '"text"', 'null', '1', 'true', '[{}]', '{', '{"a":}', '', ' '];
const NOT_UTF8 = [
  Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
];
const BAD_QUERY_VALUES = [
  '%00',
  '%ED%A0%80',
  '%FF',
  '-1',
  'abc',
  '9'.repeat(30),
  '',
  '1.5',
  '%F0%9F',
];
const BAD_CURSORS = [
  'garbage',
  b64('["9999-99-99T99:99:99.000000Z","2026-01-01T00:00:00.000000Z","x"]'),
  b64('[null,"2026-02-30T00:00:00.000000Z","x"]'),
  b64('["a\\u0000"]'),
  b64('["\\ud800"]'),
  b64(deep(5_000)),
  b64('{"a":1}'),
  b64('[1,2,3,4]'),
  '%00',
];
const BAD_PATH_VALUES = [
  '%00',
  '%ED%A0%80',
  'a'.repeat(300),
  '%FF',
  'x%00y',
  '%F0%9F%98',
  '.',
  '..',
];

/** A valid body per body route, acting as alice. */
function validBody(name: RouteName): Record<string, unknown> | undefined {
  const bodies: Partial<Record<RouteName, Record<string, unknown>>> = {
    upsertUser: { name: 'Probe', custom: { a: 1 } },
    createChannel: { type: 'group', name: 'n', members: ['alice'], custom: {}, user_id: 'alice' },
    updateChannel: { name: 'probe', custom: {}, user_id: 'alice' },
    updateMembers: { add: ['bob'], remove: [], user_id: 'alice' },
    sendMessage: { text: 'probe', attachments: [{ a: 1 }], client_id: 'c-1', user_id: 'alice' },
    updateMessage: { text: 'probe', attachments: [], user_id: 'alice' },
    addReaction: { type: 'like', user_id: 'alice' },
    markRead: { seq: 1, user_id: 'alice' },
    createWebhook: { url: 'https://hooks.example.com/x', events: ['message.new'], enabled: true },
    updateWebhook: { enabled: false, events: ['message.new'] },
  };
  return bodies[name];
}

function pathOf(name: RouteName, override?: [param: string, value: string]): string {
  const values: Record<string, string> = {
    user_id: 'alice',
    channel_id: 'room',
    message_id: messageId,
    type: 'like',
    webhook_id: webhookId,
    delivery_id: 'dlv_01JAAAAAAAAAAAAAAAAAAAAAAA',
  };
  if (override) values[override[0]] = override[1];
  return ROUTES[name].path.replace(/:(\w+)/g, (_, param: string) => values[param] ?? '');
}

interface Probe {
  what: string;
  method: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** The field the answer must name, when the probe broke exactly one field in a way no schema accepts. */
  field?: string;
}

function probes(): Probe[] {
  const out: Probe[] = [];
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const route: { method: string; path: string; query?: unknown } = ROUTES[name];
    const body = validBody(name);
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    for (const param of params) {
      for (const value of BAD_PATH_VALUES) {
        out.push({
          what: `${name} path ${param}=${value.slice(0, 20)}`,
          method: route.method,
          path: pathOf(name, [param, value]),
          ...(body ? { body: JSON.stringify(body), contentType: 'application/json' } : {}),
        });
      }
    }
    if (route.query || route.method === 'GET' || route.method === 'DELETE') {
      const keys = ['limit', 'cursor', 'user_id', 'before', 'after', 'status', 'unknown'];
      for (const key of keys) {
        for (const value of key === 'cursor' ? BAD_CURSORS : BAD_QUERY_VALUES) {
          out.push({
            what: `${name} query ${key}=${value.slice(0, 20)}`,
            method: route.method,
            path: `${pathOf(name)}?${key}=${value}`,
            ...(body ? { body: JSON.stringify(body), contentType: 'application/json' } : {}),
          });
        }
      }
    }
    if (!body) continue;
    const base = { method: route.method, path: pathOf(name), contentType: 'application/json' };
    for (const text of NON_OBJECT_BODIES)
      out.push({ ...base, what: `${name} body ${text}`, body: text });
    for (const bytes of NOT_UTF8) out.push({ ...base, what: `${name} not UTF-8`, body: bytes });
    out.push({
      ...base,
      what: `${name} no content type`,
      body: JSON.stringify(body),
      contentType: '',
    });
    out.push({
      ...base,
      what: `${name} text/plain`,
      body: JSON.stringify(body),
      contentType: 'text/plain',
    });
    out.push({ ...base, what: `${name} deep body`, body: deep(10_000) });
    for (const field of [...Object.keys(body), 'extra\u0000']) {
      for (const [label, raw, names] of BAD_VALUES) {
        out.push({
          ...base,
          what: `${name} ${field}=${label}`,
          body: withRaw(body, field, raw),
          ...(names && !field.includes('\u0000') ? { field } : {}),
        });
      }
    }
  }
  return out;
}

beforeAll(async () => {
  server = await startLiveServer({ CARIOSAN_WS_FRAME_RATE: '0', CARIOSAN_WS_USER_FRAME_RATE: '0' });
  const { credentials, sdk } = await server.workspace();
  auth = `Bearer ${credentials.api_key}:${credentials.api_secret}`;
  await sdk.users.upsert('alice', { name: 'Alice' });
  await sdk.users.upsert('bob', { name: 'Bob' });
  await sdk.channels.create({ type: 'group', id: 'room', members: ['alice', 'bob'] });
  messageId = (await sdk.messages.send('room', { user_id: 'alice', text: 'seed' })).id;
  // The REST probes may delete alice (DELETE routes ignore unknown query parameters).
  frameToken = async () => {
    await sdk.users.upsert('framer', { name: 'Framer' });
    return sdk.issueUserToken('framer');
  };
  webhookId = (
    await sdk.webhooks.create({ url: 'https://hooks.example.com/x', events: ['message.new'] })
  ).id;
});

afterAll(async () => {
  await server?.close();
});

describe('malformed input never answers 5xx', () => {
  it('answers 1,000+ generated malformed REST requests with 4xx in SPEC error shape', async () => {
    const all = probes();
    expect(all.length).toBeGreaterThanOrEqual(1_000);
    const failures: string[] = [];
    const check = async (probe: Probe) => {
      const headers: Record<string, string> = { authorization: auth };
      if (probe.contentType) headers['content-type'] = probe.contentType;
      const response = await fetch(`${server.url}${probe.path}`, {
        method: probe.method,
        headers,
        ...(probe.body === undefined ? {} : { body: probe.body }),
      });
      const text = await response.text();
      if (response.status >= 500)
        failures.push(`${probe.what}: ${response.status} ${text.slice(0, 200)}`);
      if (response.status < 400) return;
      let error: { code?: string; request_id?: string; field?: string } | undefined;
      try {
        error = (JSON.parse(text) as { error: typeof error }).error;
      } catch {
        failures.push(`${probe.what}: ${response.status} not JSON: ${text.slice(0, 100)}`);
        return;
      }
      if (!error?.code || !error.request_id) failures.push(`${probe.what}: no error shape`);
      const named = error?.field === probe.field || error?.field?.startsWith(`${probe.field}.`);
      if (probe.field && (response.status !== 400 || !named)) {
        failures.push(
          `${probe.what}: ${response.status} field ${error?.field}, wanted ${probe.field}`,
        );
      }
    };
    // A few at a time: fast, and still one request per connection at a time.
    for (let i = 0; i < all.length; i += 8) await Promise.all(all.slice(i, i + 8).map(check));
    expect(failures).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 180_000);

  it('answers 200+ generated malformed frames with an error frame, never internal_error', async () => {
    const socket: TestSocket = await openSocket(server.wsUrl, await frameToken());
    const valid: Record<string, Record<string, unknown>> = {
      subscribe: { type: 'subscribe', channel_id: 'room', since_seq: 0 },
      unsubscribe: { type: 'unsubscribe', channel_id: 'room' },
      send: { type: 'send', channel_id: 'room', client_id: 'f-1', text: 'x', attachments: [] },
      typing: { type: 'typing', channel_id: 'room', state: 'start' },
      read: { type: 'read', channel_id: 'room', seq: 1 },
      refresh: { type: 'refresh', token: 'eyJ.a.b' },
      ping: { type: 'ping' },
      connect: { type: 'connect', token: 'eyJ.a.b' },
    };
    const frames: string[] = [...NON_OBJECT_BODIES, '{"type":"explode","id":"x"}', deep(10_000)];
    for (const [type, frame] of Object.entries(valid)) {
      for (const field of [...Object.keys(frame), 'id', 'extra']) {
        for (const [, raw] of BAD_VALUES) {
          if (field === 'type' && raw === '{}') continue;
          frames.push(withRaw({ ...frame, id: `bad-${type}` }, field, raw));
        }
      }
    }
    expect(frames.length).toBeGreaterThanOrEqual(200);
    const failures: string[] = [];
    let n = 0;
    for (const frame of frames) {
      const before = socket.frames.length;
      if (Buffer.byteLength(frame) > 60_000) continue;
      socket.send(frame);
      // A valid ping after each bad frame: its ack says the bad one was answered, and it keeps
      // the socket under the invalid-frames-in-a-row limit.
      await socket.ok({ type: 'ping', id: `after-${++n}` });
      const answers = socket.frames.slice(before).filter((f) => f.id !== `after-${n}`);
      if (
        answers.some(
          (f) => f.type === 'error' && (f.error as { code: string }).code === 'internal_error',
        )
      ) {
        failures.push(`internal_error for ${frame.slice(0, 80)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(200);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  }, 180_000);
});
